import Foundation
import Testing

/// A round phase that waits on sites says so at the default log level.
@Suite("Coordinator progress while waiting (real executables)", .serialized)
struct WaitingProgressTests {
    @Test("A round waiting on a silent site names it and the time left, every ~10 s", .timeLimit(.minutes(1)))
    func waitingRoundNamesTheSite() async throws {
        let ws = try Workspace("waiting")
        defer { ws.cleanup() }
        let fed = try await Federation.make(ws, sites: ["site-a", "site-r"])
        let (coordinator, port) = try await fed.startCoordinator(["--rounds", "1", "--min-sites", "2", "--round-deadline", "40",
                                                                  "--evaluation-deadline", "5"])
        _ = try fed.startSite("site-a", port: port)
        // Takes the task and never answers it.
        let rogue = try await RogueSite.join(name: "site-r", keyPath: ws.path("keys/site-r.key"), port: port, fingerprint: fed.fingerprint)
        _ = try await rogue.task(round: 1, timeout: 15)
        try await eventually("the coordinator's waiting line", timeout: 20, context: { coordinator.stderr }) {
            coordinator.stderr.split(separator: "\n").contains { $0.contains("round 1 training: waiting for site-r (") && $0.contains(" s left)") }
        }
        // site-a has answered: only the silent site is named.
        let line = try #require(coordinator.stderr.split(separator: "\n").first { $0.contains("waiting for site-r") })
        #expect(!line.contains("site-a"), "\(line)")
        #expect(line.contains("notice"), "not at the default level: \(line)")
    }
}
