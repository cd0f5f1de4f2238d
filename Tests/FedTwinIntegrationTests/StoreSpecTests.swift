import Foundation
import Testing

/// Issue 12 §1: a store made from a component spec file records the file's hash in the
/// store and in every manifest, holds the file itself, and gives it back byte for byte.
@Suite("fedtwin store init with a component spec")
struct StoreSpecTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func sha256(_ path: String) throws -> String {
        // The hash the store must record: SHA-256 of the file bytes, as `sha256sum` prints it.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        p.waitUntilExit()
        return String(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64))
    }

    @Test("spec hash in store.json and the manifest, the file exported byte for byte, a tampered spec object fails verify; built-in stores unchanged",
          .timeLimit(.minutes(2)))
    func specRecorded() async throws {
        let ws = try Workspace("store-spec")
        defer { ws.cleanup() }
        let cho = Self.repo.appendingPathComponent("sites/specs/cho.json").path
        let hash = try Self.sha256(cho)
        #expect(hash.count == 64)
        _ = try await ws.runOK("fedtwin", ["keygen", "--name", "coordinator", "--out", "keys"])
        let created = try await ws.runOK("fedtwin", ["store", "init", "--store", "s", "--component-spec", cho, "--coordinator-key", "keys/coordinator.key"])
        #expect(created.contains("sha256 \(hash)"), "\(created)")
        #expect(ws.read("s/store.json")?.contains(hash) == true)
        #expect(ws.read("s/versions/000000.json")?.contains(hash) == true)
        let show = try await ws.runOK("fedtwin", ["models", "show", "0", "--store", "s"])
        #expect(show.contains("component spec") && show.contains(hash), "\(show)")
        _ = try await ws.runOK("fedtwin", ["models", "export", "0", "--store", "s", "--format", "spec", "--out", "exported.json"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: ws.path("exported.json"))) == Data(contentsOf: URL(fileURLWithPath: cho)))
        let verified = try await ws.run("fedtwin", ["models", "verify", "--all", "--store", "s"])
        #expect(verified.status == 0 && verified.stdout.contains("component spec"), "\(verified)")

        // The statistics round of the same spec records the same file.
        _ = try await ws.runOK("fedtwin", ["store", "init", "--store", "stats", "--component", "feature-statistics", "--component-spec", cho,
                                           "--coordinator-key", "keys/coordinator.key"])
        #expect(ws.read("stats/store.json")?.contains(hash) == true)

        // A changed byte in the stored spec is found and named.
        let object = ws.path("s/objects/\(hash.prefix(2))/\(hash)")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: object))
        bytes[bytes.count / 2] ^= 0x20
        try bytes.write(to: URL(fileURLWithPath: object))
        let tampered = try await ws.run("fedtwin", ["models", "verify", "--all", "--store", "s"])
        #expect(tampered.status != 0 && tampered.stdout.contains("component spec"), "\(tampered)")

        // A built-in component: no spec hash in its store, and nothing to export as spec.
        _ = try await ws.runOK("fedtwin", ["store", "init", "--store", "b", "--component", "noop", "--coordinator-key", "keys/coordinator.key"])
        #expect(ws.read("b/store.json")?.contains("specHash") == false)
        let noSpec = try await ws.run("fedtwin", ["models", "export", "0", "--store", "b", "--format", "spec", "--out", "none.json"])
        #expect(noSpec.status != 0 && noSpec.stderr.contains("built in"), "\(noSpec)")
    }
}
