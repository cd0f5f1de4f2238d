import Foundation
import Testing

/// `fedtwin status` against a real coordinator whose status endpoint is bound beyond
/// loopback: TLS to enrolled operators only, through the executables as an operator runs them.
@Suite("fedtwin status over TLS (real executables)", .serialized)
struct StatusCommandTests {
    @Test("an operator's key reads the table over https; a qa person's key and a missing key are refused", .timeLimit(.minutes(1)))
    func operatorReadsStatusOverTLS() async throws {
        let ws = try Workspace("status-tls")
        defer { ws.cleanup() }
        let fed = try await Federation.make(ws, sites: ["site-a", "site-b"])
        try "correct horse battery\n".write(toFile: ws.path("pass.txt"), atomically: true, encoding: .utf8)
        for (name, role) in [("ops-olga", "operator"), ("qa-anna", "qa")] {
            try await ws.runOK("fedtwin", ["person", "enroll", "--store", fed.store, "--name", name, "--printed-name", name, "--role", role,
                                           "--key-out", "\(name).key", "--passphrase-file", "pass.txt", "--coordinator-key", fed.coordinatorKey])
        }
        // 0.0.0.0: not loopback, so the endpoint is TLS with operator certificates.
        let (coordinator, _) = try await fed.startCoordinator(["--rounds", "1", "--min-sites", "2", "--http", "0.0.0.0:0"])
        let port: Int = try await eventually("the status endpoint's line", timeout: 15, context: { coordinator.stderr }) {
            coordinator.stderr.split(separator: "\n").lazy.compactMap { line -> Int? in
                guard let range = line.range(of: "status endpoint on https://0.0.0.0:") else { return nil }
                return Int(line[range.upperBound...].prefix { $0.isNumber })
            }.first
        }
        #expect(coordinator.stderr.contains("enrolled operators only"))
        let url = "https://127.0.0.1:\(port)"
        let table = try await ws.runOK("fedtwin", ["status", "--coordinator", url, "--key", "ops-olga.key", "--passphrase-file", "pass.txt",
                                                   "--coordinator-fingerprint", fed.fingerprint])
        #expect(table.contains("phase waiting-for-quorum") && table.contains("waiting for: site-a, site-b"), "\(table)")
        #expect(table.split(separator: "\n").contains { $0.hasPrefix("site-b ") && $0.contains(" no ") }, "\(table)")

        let qa = try await ws.run("fedtwin", ["status", "--coordinator", url, "--key", "qa-anna.key", "--passphrase-file", "pass.txt",
                                              "--coordinator-fingerprint", fed.fingerprint])
        #expect(qa.status != 0 && qa.stderr.contains("answered 403") && qa.stderr.contains("not-an-operator"), "\(qa)")
        let keyless = try await ws.run("fedtwin", ["status", "--coordinator", url])
        #expect(keyless.status != 0 && keyless.stderr.contains("needs --key"), "\(keyless)")
        let plain = try await ws.run("fedtwin", ["status", "--coordinator", "http://127.0.0.1:\(port)"])
        #expect(plain.status != 0 && plain.stdout.isEmpty, "\(plain)")
        try await eventually("the coordinator's refusal lines", timeout: 5, context: { coordinator.stderr }) {
            coordinator.stderr.contains("status request refused") && coordinator.stderr.contains("status connection refused")
        }
    }
}
