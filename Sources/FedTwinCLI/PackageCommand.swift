import ArgumentParser
import FedTwinRegistry
import FedTwinWire
import Foundation

/// `fedtwin package verify DIR`: what an inspector runs on a release package, offline and
/// without the store.
struct PackageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "package",
        abstract: "Verify a release package (from `fedtwin models export V --format package`).",
        subcommands: [Verify.self]
    )

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a release package offline: file hashes, signatures, validation record, lifecycle, audit segment.",
            discussion: """
                Needs nothing but the directory. A changed, added or removed file is named. Without \
                --coordinator-fingerprint the coordinator key is the one the package carries: pin the \
                fingerprint you obtained independently to make the signatures evidence of who signed. \
                Exits 1 if any check fails.
                """
        )

        @Argument(help: "The package directory.")
        var directory: String

        @Option(help: "The coordinator key fingerprint the package must be signed with (all 64 hex digits, or at least the first 16).")
        var coordinatorFingerprint: String?

        @Flag(help: "Machine-readable JSON (sorted keys).")
        var json = false

        func run() throws {
            if let text = coordinatorFingerprint, text.count < 16 || text.count > 64 || !text.lowercased().allSatisfy(\.isHexDigit) {
                throw CLIError("--coordinator-fingerprint must be 16 to 64 hex digits, got '\(text)'")
            }
            let package = ReleasePackage(files: try Self.read(directory))
            let report = package.verify(coordinator: coordinatorFingerprint)
            if json {
                try JSONValue.object([
                    "package": .string(directory), "passed": .bool(report.passed),
                    "checks": .array(report.checks.map { .object(["subject": .string($0.subject), "ok": .bool($0.ok), "detail": .string($0.detail)]) }),
                    "summary": .object(["checks": .int(report.checks.count), "failed": .int(report.failures.count)]),
                ]).write()
            } else {
                for check in report.checks { print("\(check.ok ? "✓" : "✗") \(check.subject): \(check.detail)") }
                print(report.passed ? "OK: \(report.checks.count) checks passed (\(directory))"
                                    : "FAILED: \(report.failures.count) of \(report.checks.count) checks failed (\(directory))")
            }
            if !report.passed { throw ExitCode(1) }
        }

        /// Every regular file under `root`, by path relative to it.
        static func read(_ root: String) throws -> [String: [UInt8]] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CLIError("\(root): not a directory")
            }
            guard let paths = try? FileManager.default.subpathsOfDirectory(atPath: root) else { throw CLIError("\(root): cannot list its files") }
            var files: [String: [UInt8]] = [:]
            for path in paths.sorted() {
                var dir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: "\(root)/\(path)", isDirectory: &dir), !dir.boolValue else { continue }
                files[path] = try FileSystem.read("\(root)/\(path)")
            }
            return files
        }
    }
}
