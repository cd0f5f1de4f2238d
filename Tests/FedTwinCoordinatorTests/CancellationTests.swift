import FedTwinCoordinator
import FedTwinRegistry
import FedTwinTransport
import Foundation
import Logging
import Testing

/// Cancelling the task that runs the coordinator stops it like `stop()`: the loop ends,
/// the round in progress is abandoned and audited once, nothing spins.
@Suite(.timeLimit(.minutes(1)))
struct CancellationTests {
    /// Starts `run()` in a task, cancels it at the first event `when` accepts, and returns
    /// once `run()` has returned.
    func runAndCancel(sites: [ScriptedSite], registry: Registry, coordinator: Coordinator,
                      when trigger: @escaping @Sendable (CoordinatorEvent) -> Bool, events: AsyncStream<CoordinatorEvent>) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for site in sites {
                let (siteEnd, coordinatorEnd) = InMemoryFrameConnection.makePair()
                group.addTask { await coordinator.serve(coordinatorEnd) }
                group.addTask { _ = try await site.run(siteEnd) }
            }
            let run = Task { try await coordinator.run() }
            for await event in events where trigger(event) {
                run.cancel()
                break
            }
            try await run.value
            try await group.waitForAll()
        }
    }

    static func eventStream() -> (AsyncStream<CoordinatorEvent>, @Sendable (CoordinatorEvent) -> Void) {
        let (stream, continuation) = AsyncStream.makeStream(of: CoordinatorEvent.self)
        return (stream, { continuation.yield($0) })
    }

    @Test func cancellingMidRoundAbandonsTheRoundOnce() async throws {
        var (registry, key, sites, config) = try makeFederation(rounds: 3)
        config.roundDeadlineSeconds = 600
        sites = sites.map { var s = $0; s.silent = true; return s }
        let (events, onEvent) = Self.eventStream()
        let coordinator = try Coordinator(registry: registry, key: key, config: config, logger: Logger(label: "test"), onEvent: onEvent)
        try await runAndCancel(sites: sites, registry: registry, coordinator: coordinator,
                               when: { if case .roundStarted = $0 { true } else { false } }, events: events)
        let audited = try registry.auditEntries().map(\.event)
        #expect(audited.filter { $0 == "round-started" }.count == 1)
        #expect(audited.filter { $0 == "round-abandoned" }.count == 1)
        #expect(!audited.contains("round-retried"))
        #expect(audited.filter { $0 == "coordinator-stopped" }.count == 1)
        #expect(try registry.latestVersion().number == 0)
    }

    @Test func cancellingWhileWaitingForQuorumReturns() async throws {
        let (registry, key, sites, config) = try makeFederation(rounds: 3)
        let (events, onEvent) = Self.eventStream()
        let coordinator = try Coordinator(registry: registry, key: key, config: config, logger: Logger(label: "test"), onEvent: onEvent)
        // One of the two sites needed connects.
        try await runAndCancel(sites: [sites[0]], registry: registry, coordinator: coordinator,
                               when: { if case .waitingForQuorum(_, 1, _) = $0 { true } else { false } }, events: events)
        let audited = try registry.auditEntries().map(\.event)
        #expect(!audited.contains("round-started"))
        #expect(audited.filter { $0 == "coordinator-stopped" }.count == 1)
    }
}
