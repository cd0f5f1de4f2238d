import Foundation
import Testing

/// The signing commands as an operator runs them: where the passphrase comes from, and
/// refusals reported with their code.
@Suite("Validation and release commands (real executables)")
struct ReleaseCommandTests {
    @Test("no passphrase source without a terminal is refused; a passphrase file works; a lifecycle refusal names its code", .timeLimit(.minutes(1)))
    func passphraseSourcesAndRefusals() async throws {
        let ws = try Workspace("release-commands")
        defer { ws.cleanup() }
        try #require(ProcessInfo.processInfo.environment["FEDTWIN_PASSPHRASE"] == nil, "the test needs FEDTWIN_PASSPHRASE unset")
        _ = try await ws.runOK("fedtwin", ["keygen", "--name", "coordinator", "--out", "keys"])
        _ = try await ws.runOK("fedtwin", ["store", "init", "--store", "store", "--component", "noop", "--coordinator-key", "keys/coordinator.key"])
        let enroll = ["person", "enroll", "--store", "store", "--name", "qa-anna", "--printed-name", "Anna Example", "--role", "qa",
                      "--key-out", "anna.key", "--coordinator-key", "keys/coordinator.key"]
        // stdin is /dev/null: no prompt, and no passphrase option on the command line.
        let none = try await ws.run("fedtwin", enroll)
        #expect(none.status != 0)
        #expect(none.stderr.contains("no passphrase: give --passphrase-file, set FEDTWIN_PASSPHRASE"), "\(none)")
        #expect(ws.read("anna.key") == nil)
        try "anna-passphrase\n".write(toFile: ws.path("anna.pass"), atomically: true, encoding: .utf8)
        _ = try await ws.runOK("fedtwin", enroll + ["--passphrase-file", "anna.pass"])
        let key = try #require(ws.read("anna.key"))
        #expect(key.hasPrefix("FedTwin-Person: qa-anna\n") && key.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        // Version 0 has no validation record (no plan): approval is refused, with its code.
        let approve = try await ws.run("fedtwin", ["models", "approve", "0", "--store", "store", "--as", "anna.key", "--passphrase-file", "anna.pass",
                                                   "--coordinator-key", "keys/coordinator.key"])
        #expect(approve.status != 0)
        #expect(approve.stderr.contains("refused (not-validated)"), "\(approve)")
        let list = try await ws.runOK("fedtwin", ["models", "list", "--store", "store"])
        #expect(list.contains("candidate"), "\(list)")
        let audit = try await ws.runOK("fedtwin", ["audit", "show", "--store", "store"])
        #expect(audit.contains("signature-refused") && audit.contains("reason=not-validated"), "\(audit)")
    }

    @Test("models export --format package writes a package that package verify passes offline; a changed byte fails it and names the file", .timeLimit(.minutes(1)))
    func exportAndVerifyAPackage() async throws {
        let ws = try Workspace("release-package")
        defer { ws.cleanup() }
        _ = try await ws.runOK("fedtwin", ["keygen", "--name", "coordinator", "--out", "keys"])
        _ = try await ws.runOK("fedtwin", ["store", "init", "--store", "store", "--component", "noop", "--coordinator-key", "keys/coordinator.key"])
        let refused = try await ws.run("fedtwin", ["models", "export", "0", "--store", "store", "--format", "package", "--out", "pkg"])
        #expect(refused.status != 0 && refused.stderr.contains("needs --coordinator-key"), "\(refused)")
        let out = try await ws.runOK("fedtwin", ["models", "export", "0", "--store", "store", "--format", "package", "--out", "pkg",
                                                 "--coordinator-key", "keys/coordinator.key"])
        #expect(out.contains("release package of version 0 (candidate)"), "\(out)")
        let fingerprint = try #require(out.split(separator: " ").last.map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) })
        let ok = try await ws.runOK("fedtwin", ["package", "verify", "pkg", "--coordinator-fingerprint", fingerprint])
        #expect(ok.contains("OK:") && ok.contains("✓ file store/versions/000000.json"), "\(ok)")
        // The store is not needed: move it away.
        try FileManager.default.moveItem(atPath: ws.path("store"), toPath: ws.path("store-away"))
        _ = try await ws.runOK("fedtwin", ["package", "verify", "pkg"])
        var card = try #require(ws.read("pkg/MODEL-CARD.md"))
        card += " "
        try card.write(toFile: ws.path("pkg/MODEL-CARD.md"), atomically: true, encoding: .utf8)
        let bad = try await ws.run("fedtwin", ["package", "verify", "pkg", "--coordinator-fingerprint", fingerprint])
        #expect(bad.status == 1, "\(bad)")
        #expect(bad.stdout.contains("✗ file MODEL-CARD.md: content changed"), "\(bad)")
        let again = try await ws.run("fedtwin", ["models", "export", "0", "--store", "store-away", "--format", "package", "--out", "pkg",
                                                 "--coordinator-key", "keys/coordinator.key"])
        #expect(again.status != 0 && again.stderr.contains("not empty"), "\(again)")
    }

    @Test("a package of a declared component carries its spec file byte for byte, named by hash in the parameters' metadata", .timeLimit(.minutes(1)))
    func packageOfASpecStore() async throws {
        let ws = try Workspace("release-package-spec")
        defer { ws.cleanup() }
        let cho = StoreSpecTests.repo.appendingPathComponent("sites/specs/cho.json").path
        _ = try await ws.runOK("fedtwin", ["keygen", "--name", "coordinator", "--out", "keys"])
        _ = try await ws.runOK("fedtwin", ["store", "init", "--store", "s", "--component-spec", cho, "--coordinator-key", "keys/coordinator.key"])
        _ = try await ws.runOK("fedtwin", ["models", "export", "0", "--store", "s", "--format", "package", "--out", "pkg", "--coordinator-key", "keys/coordinator.key"])
        #expect(FileManager.default.contents(atPath: ws.path("pkg/component-spec.json")) == FileManager.default.contents(atPath: cho))
        let hash = try StoreSpecTests.sha256(cho)
        let ok = try await ws.runOK("fedtwin", ["package", "verify", "pkg"])
        #expect(ok.contains("✓ component.json") && ok.contains("spec file hash \(hash.prefix(16))"), "\(ok)")
        #expect(try #require(ws.read("pkg/MODEL-CARD.md")).contains(hash))
    }
}
