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
}
