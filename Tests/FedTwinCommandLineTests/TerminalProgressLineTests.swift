import FedTwinCommandLine
import Synchronization
import Testing

/// The progress line's drawing: only on a terminal, overwriting itself, throttled, erased.
struct TerminalProgressLineTests {
    final class Written: Sendable {
        let parts = Mutex<[String]>([])
        var all: [String] { parts.withLock { $0 } }
        func sink() -> @Sendable (String) -> Void { { text in self.parts.withLock { $0.append(text) } } }
    }

    @Test func notATerminalMeansNothingIsWritten() {
        let written = Written()
        let line = TerminalProgressLine(enabled: false, write: written.sink())
        line.update("epoch 1/2")
        line.update("epoch 2/2", final: true)
        line.clear()
        #expect(written.all.isEmpty)
    }

    @Test func eachDrawOverwritesTheLineAndClearErasesIt() {
        let written = Written()
        let line = TerminalProgressLine(enabled: true, minimumInterval: .zero, write: written.sink())
        line.clear()  // nothing drawn yet: nothing to erase
        line.update("epoch 1/2 · loss 0.5")
        line.update("epoch 2/2", final: true)
        line.clear()
        line.clear()
        #expect(written.all == ["\repoch 1/2 · loss 0.5\u{1B}[K", "\repoch 2/2\u{1B}[K", "\r\u{1B}[K"])
    }

    @Test func redrawsAreThrottledButTheFinalOneAlwaysComes() {
        let written = Written()
        let line = TerminalProgressLine(enabled: true, minimumInterval: .seconds(60), write: written.sink())
        for k in 1...99 { line.update("epoch \(k)/100") }
        line.update("epoch 100/100", final: true)
        #expect(written.all == [TerminalProgressLine.frame("epoch 1/100"), TerminalProgressLine.frame("epoch 100/100")])
    }
}
