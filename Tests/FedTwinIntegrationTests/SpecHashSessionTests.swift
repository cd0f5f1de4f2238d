import Foundation
import Testing

/// The store's component spec hash travels in `welcome` (`componentSpecHash`): a site that
/// loaded another spec file with the same component id and schema (an edited bound, or the
/// file before `fedtwin twin scale` added the consortium scaling) is refused before it
/// trains, and a site with the same file is not.
@Suite("Component spec hash in the session (real executables)", .serialized)
struct SpecHashSessionTests {
    @Test("another spec file with the same id and schema ends the session as component-mismatch; the same file connects",
          .timeLimit(.minutes(3)))
    func otherSpecRefused() async throws {
        let ws = try Workspace("spec-hash")
        defer { ws.cleanup() }
        let original = Federation.repository.appendingPathComponent("sites/specs/penicillin.json").path
        // Same id, states, parameters and network: only the description differs, so only the hash tells them apart.
        var doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: original))) as? [String: Any])
        doc["description"] = "an edited copy"
        try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: ws.path("edited.json")))

        let fed = try await Federation.make(ws, component: "hybrid-penicillin", componentSpec: original, sites: ["site-a", "site-b"])
        let data = try await fed.simulate(["site-a", "site-b"], batchCount: 3)
        let (coordinator, port) = try await fed.startCoordinator(["--rounds", "1", "--min-sites", "2", "--round-deadline", "60"])
        defer { coordinator.process.terminate() }
        var edited = fed
        edited.componentSpec = ws.path("edited.json")
        let refused = try edited.startSite("site-b", port: port, data: data["site-b"])
        let status = try await refused.waitForExit(timeout: 60)
        #expect(status != 0)
        #expect(refused.stderr.contains("component-mismatch") && refused.stderr.contains("component spec sha256"), "\(refused.stderr)")
        // The same file is accepted: the site connects and is told the component.
        let accepted = try fed.startSite("site-a", port: port, data: data["site-a"])
        defer { accepted.process.terminate() }
        var connected = false
        for _ in 0..<200 where !connected {
            connected = accepted.stderr.contains("connected to coordinator")
            if !connected { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(connected, "\(accepted.stderr)")
        #expect(!accepted.stderr.contains("component-mismatch"))
    }
}
