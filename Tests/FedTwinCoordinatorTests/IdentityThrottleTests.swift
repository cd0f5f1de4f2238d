import FedTwinAggregation
@testable import FedTwinCoordinator
import FedTwinRegistry
import FedTwinTransport
import FedTwinWire
import Logging
import Testing

/// Issue 10, rule 3: nothing an enrolled site repeats grows the audit log without bound.
@Suite struct IdentityThrottleTests {
    /// The in-memory federation's store (site-a, site-b) and a coordinator over it that is
    /// not running rounds: enough for handshakes and session frames.
    static func federation() throws -> (Registry, [SigningKey], Coordinator) {
        let (registry, coordinatorKey, sites, config) = try makeFederation(rounds: 1)
        return (registry, sites.map(\.key), try Coordinator(registry: registry, key: coordinatorKey, config: config, logger: Logger(label: "test")))
    }

    @Test func eachSiteHasItsOwnBudgetsAndTheFirstSuppressionIsFlagged() {
        let start = ContinuousClock.now
        var throttle = IdentityThrottle(sessionBudget: 2, entryBudget: 1, window: .seconds(60))
        let a = (0..<4).map { _ in throttle.admit(site: "site-a", .sessions, code: "rate-limited", now: start) }
        #expect(a == [.admitted, .admitted, .suppressed(first: true), .suppressed(first: false)])
        // Another site, and another budget of the same site, are untouched.
        #expect(throttle.admit(site: "site-b", .sessions, code: "rate-limited", now: start) == .admitted)
        #expect(throttle.admit(site: "site-a", .entries, code: "replay", now: start) == .admitted)
        #expect(throttle.admit(site: "site-a", .entries, code: "replay", now: start) == .suppressed(first: true))
        #expect(throttle.roll(now: start + .seconds(30)).isEmpty, "the window is not over yet")
        let summaries = throttle.roll(now: start + .seconds(61))
        #expect(summaries.map(\.site) == ["site-a", "site-a"])
        #expect(summaries.map(\.budget) == [.sessions, .entries])
        #expect(summaries.map(\.summary.codes) == ["rate-limited:2", "replay:1"])
        // A new window: the budget is back.
        #expect(throttle.admit(site: "site-a", .sessions, code: "rate-limited", now: start + .seconds(62)) == .admitted)
    }

    @Test(.timeLimit(.minutes(1)))
    func threeHundredHellosFromOneKeyWriteABoundedAudit() async throws {
        let (registry, keys, coordinator) = try Self.federation()
        let (key, honest) = (keys[0], keys[1])
        let before = try registry.auditEntries().count

        let codec = MessageCodec()
        func hello(_ key: SigningKey, name: String) async throws -> ReasonCode? {
            let (siteEnd, coordinatorEnd) = InMemoryFrameConnection.makePair()
            let served = Task { await coordinator.serve(coordinatorEnd) }
            try await siteEnd.send(try codec.encode(.hello(Hello(site: name, software: "test")),
                                                    envelope: Envelope(sender: key.publicKey.fingerprint), signer: key))
            var frames = siteEnd.inbound.makeAsyncIterator()
            let first = try #require(try await frames.next())
            let code = try codec.parse(first).claimedReject()?.code
            if code != nil { await served.value }
            return code
        }
        var codes: [ReasonCode?] = []
        for _ in 0..<300 { codes.append(try await hello(key, name: "site-a")) }
        let budget = IdentityThrottle().sessionBudget
        #expect(codes.prefix(budget).allSatisfy { $0 == nil }, "the first \(budget) sessions open")
        #expect(codes.dropFirst(budget).allSatisfy { $0 == .rateLimited })
        // Another enrolled site is not affected by site-a's budget.
        #expect(try await hello(honest, name: "site-b") == nil)

        await coordinator.auditSuppressedRefusals(force: true)
        let written = try registry.auditEntries().dropFirst(before)
        // budget × session-open, (budget − 1) × session-replaced, site-b's session-open,
        // one site-throttled and one site-audit-suppressed: not 300 × 2.
        #expect(written.count <= 2 * budget + 3, "\(written.map(\.event))")
        let throttled = written.filter { $0.event == "site-throttled" }
        #expect(throttled.count == 1)
        #expect(throttled.first?.data["site"] == "site-a" && throttled.first?.data["code"] == "rate-limited")
        let summary = try #require(written.first { $0.event == "site-audit-suppressed" })
        #expect(summary.data["site"] == "site-a")
        #expect(summary.data["count"] == String(300 - budget))
        #expect(summary.data["codes"] == "rate-limited:\(300 - budget)")
        #expect(registry.verifyAudit().passed)
    }
}

extension IdentityThrottleTests {
    @Test(.timeLimit(.minutes(1)))
    func refusedFramesFromOneSiteWriteABoundedAudit() async throws {
        let (registry, keys, coordinator) = try Self.federation()
        let key = keys[0]
        let (siteEnd, coordinatorEnd) = InMemoryFrameConnection.makePair()
        let served = Task { await coordinator.serve(coordinatorEnd) }
        let codec = MessageCodec()
        try await siteEnd.send(try codec.encode(.hello(Hello(site: "site-a", software: "test")),
                                                envelope: Envelope(sender: key.publicKey.fingerprint), signer: key))
        var frames = siteEnd.inbound.makeAsyncIterator()
        let welcome = try codec.parse(try #require(try await frames.next())).open(with: registry.info().key())
        let before = try registry.auditEntries().count
        // 150 heartbeats that all carry seq 7: every one is refused as a replay.
        let envelope = Envelope(sender: key.publicKey.fingerprint, session: welcome.envelope.session,
                                challenge: welcome.envelope.challenge, round: 0, seq: 7)
        let frame = try codec.encode(.heartbeat(Heartbeat(state: "idle")), envelope: envelope, signer: key)
        var rejects = 0
        for _ in 0..<150 {
            try await siteEnd.send(frame)
            while let bytes = try await frames.next() {
                if try codec.parse(bytes).claimedReject()?.code == .replay { rejects += 1; break }
            }
        }
        #expect(rejects == 150, "every frame is still refused")
        await coordinator.auditSuppressedRefusals(force: true)
        let written = try registry.auditEntries().dropFirst(before)
        let budget = IdentityThrottle().entryBudget
        #expect(written.filter { $0.event == "frame-refused" }.count == budget)
        #expect(written.filter { $0.event == "site-throttled" }.map { $0.data["code"] } == ["replay"])
        let summary = try #require(written.first { $0.event == "site-audit-suppressed" })
        #expect(summary.data["codes"] == "replay:\(150 - budget)" && summary.data["budget"] == "entries")
        await siteEnd.close()
        await served.value
    }
}
