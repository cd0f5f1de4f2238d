#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// One self-overwriting progress line on standard error ("round 3: epoch 12/50 · loss
/// 0.0123"), drawn only when stderr is a terminal: a log file or a pipe gets no carriage
/// returns and no flood of lines, only the log lines it always had.
///
/// Redraws are throttled (at most every `minimumInterval`) except for `final` lines, so a
/// fast training does not spend its time writing to the terminal. `clear()` wipes the line
/// before the next log line is written.
public final class TerminalProgressLine: Sendable {
    let enabled: Bool
    let minimumInterval: Duration
    let write: @Sendable (String) -> Void
    let state = Mutex<(drawn: Bool, last: ContinuousClock.Instant?)>((false, nil))

    /// `enabled` defaults to whether stderr is a terminal; `write` to writing to stderr.
    public init(enabled: Bool = isatty(2) == 1, minimumInterval: Duration = .milliseconds(100),
                write: @escaping @Sendable (String) -> Void = TerminalProgressLine.standardError) {
        self.enabled = enabled
        self.minimumInterval = minimumInterval
        self.write = write
    }

    /// Draws `line` over the previous one (skipped if one was drawn less than
    /// `minimumInterval` ago, unless `final`).
    public func update(_ line: String, final: Bool = false) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let draw = state.withLock { s -> Bool in
            if !final, let last = s.last, now - last < minimumInterval { return false }
            s = (true, now)
            return true
        }
        // Carriage return, the line, then erase what a longer previous line left.
        if draw { write(Self.frame(line)) }
    }

    /// Erases the line, if one is drawn.
    public func clear() {
        guard enabled else { return }
        let drawn = state.withLock { s -> Bool in
            defer { s = (false, nil) }
            return s.drawn
        }
        if drawn { write("\r\u{1B}[K") }
    }

    /// What is written for `line`: carriage return, the text, erase to the end of the line.
    public static func frame(_ line: String) -> String { "\r" + line + "\u{1B}[K" }

    public static let standardError: @Sendable (String) -> Void = { text in
        FileHandle.standardError.write(Data(text.utf8))
    }
}
