import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A process the test started. Its stdout and stderr go to files in the workspace (no pipe
/// can fill up and block it), so they can be read at any time, also while it runs.
final class Spawned: @unchecked Sendable {
    let label: String
    let process: Process
    let stdoutPath: String
    let stderrPath: String

    init(label: String, process: Process, stdoutPath: String, stderrPath: String) {
        self.label = label
        self.process = process
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Exit status (or the signal number for a process killed by a signal).
    var status: Int32 { process.terminationStatus }
    var exitedNormally: Bool { process.terminationReason == .exit }

    func signal(_ number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    /// Waits for the process to end; throws (with its stderr tail) after `timeout` seconds.
    @discardableResult
    func waitForExit(timeout: Double) async throws -> Int32 {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                throw IntegrationError("\(label) still running after \(timeout) s; stderr tail:\n\(Self.tail(stderr))")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGKILL (if still running) and reap. Synchronous, for `defer`.
    func killAndReap() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    static func tail(_ text: String, lines: Int = 40) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// Output of a short command that ran to completion.
struct CommandResult: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String

    var description: String { "exit \(status)\n--- stdout\n\(Spawned.tail(stdout))\n--- stderr\n\(Spawned.tail(stderr))" }
}

/// One test's temporary directory and every process it started. `cleanup()` (call it in a
/// `defer`) kills whatever is still running and removes the directory; set
/// FEDTWIN_KEEP_TEST_DIRS=1 to keep it for inspection.
final class Workspace: @unchecked Sendable {
    let root: URL
    private let lock = NSLock()
    private var processes: [Spawned] = []
    private var counter = 0
    private var cleanups: [@Sendable () -> Void] = []

    init(_ name: String) throws {
        let base = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
        root = base.appendingPathComponent("fedtwin-it-\(name)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    func read(_ relative: String) -> String? { try? String(contentsOfFile: path(relative), encoding: .utf8) }

    /// Starts one of the executables (cwd = the workspace). It is killed by `cleanup()`.
    func spawn(_ tool: String, _ arguments: [String], label: String? = nil) throws -> Spawned {
        let executable = try Binaries.path(tool)
        let label = label ?? tool
        let n: Int = lock.withLock { counter += 1; return counter }
        let stdoutPath = path("\(label).\(n).stdout")
        let stderrPath = path("\(label).\(n).stderr")
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.standardInput = FileHandle.nullDevice
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardOutput = out
        process.standardError = err
        let spawned = Spawned(label: label, process: process, stdoutPath: stdoutPath, stderrPath: stderrPath)
        try lock.withLock {
            try process.run()
            processes.append(spawned)
        }
        try? out.close()
        try? err.close()
        return spawned
    }

    /// Runs a short command to completion (killed after `timeout` seconds).
    func run(_ tool: String, _ arguments: [String], timeout: Double = 30) async throws -> CommandResult {
        let p = try spawn(tool, arguments, label: "\(tool)-\(arguments.first ?? "")")
        do {
            try await p.waitForExit(timeout: timeout)
        } catch {
            p.killAndReap()
            throw error
        }
        return CommandResult(status: p.status, stdout: p.stdout, stderr: p.stderr)
    }

    /// Runs a command that must succeed; returns its stdout.
    @discardableResult
    func runOK(_ tool: String, _ arguments: [String], timeout: Double = 30) async throws -> String {
        let result = try await run(tool, arguments, timeout: timeout)
        guard result.status == 0 else {
            throw IntegrationError("`\(tool) \(arguments.joined(separator: " "))` failed: \(result)")
        }
        return result.stdout
    }

    /// Runs `action` first thing in `cleanup()`.
    func atCleanup(_ action: @escaping @Sendable () -> Void) {
        lock.withLock { cleanups.append(action) }
    }

    func cleanup() {
        for action in lock.withLock({ cleanups }) { action() }
        let all = lock.withLock { processes }
        for p in all { p.killAndReap() }
        if ProcessInfo.processInfo.environment["FEDTWIN_KEEP_TEST_DIRS"] == nil {
            try? FileManager.default.removeItem(at: root)
        } else {
            print("kept test directory \(root.path)")
        }
    }
}

/// Polls `condition` every 25 ms until it holds; throws after `timeout` seconds.
func eventually(_ what: @autoclosure () -> String, timeout: Double, context: () -> String = { "" },
                _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while try !condition() {
        guard ContinuousClock.now < deadline else {
            throw IntegrationError("timed out after \(timeout) s waiting for \(what())\n\(context())")
        }
        try await Task.sleep(for: .milliseconds(25))
    }
}

/// Same, returning the first non-nil value.
func eventually<T>(_ what: @autoclosure () -> String, timeout: Double, context: () -> String = { "" },
                   _ value: () throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while true {
        if let v = try value() { return v }
        guard ContinuousClock.now < deadline else {
            throw IntegrationError("timed out after \(timeout) s waiting for \(what())\n\(context())")
        }
        try await Task.sleep(for: .milliseconds(25))
    }
}
