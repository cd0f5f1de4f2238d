import FedTwinAggregation
import FedTwinCoordinator
import FedTwinRegistry
import FedTwinTransport
import FedTwinWire
import Foundation
import Logging
import Testing

/// A scripted site over an in-memory connection: answers every task with a fixed delta.
struct ScriptedSite {
    let name: String
    let key: SigningKey
    let delta: Float
    let samples: Int
    /// Send each update twice (the second copy is a replay).
    var replayUpdates = false
    /// Send only the first update twice (the same signed frame, same seq).
    var replayFirstUpdate = false
    /// The update's metrics (default: `loss` = delta).
    var metrics: [String: Double]?
    /// Answer `evaluate` with these samples and metrics (default: do not answer).
    var evaluation: (samples: Int, metrics: [String: Double])?
    /// The limits the site's codec parses and encodes with.
    var limits: FrameLimits = .default
    /// Never answer a task (a site that trains forever).
    var silent = false

    /// Runs until the coordinator says bye; returns the reject codes it received.
    func run(_ connection: InMemoryFrameConnection) async throws -> [ReasonCode] {
        let codec = MessageCodec(limits: limits)
        try await connection.send(try codec.encode(.hello(Hello(site: name, software: "test")),
                                                   envelope: Envelope(sender: key.publicKey.fingerprint), signer: key))
        var frames = connection.inbound.makeAsyncIterator()
        guard let first = try await frames.next() else { return [] }
        let sealed = try codec.parse(first)
        if let reject = sealed.claimedReject() { return [reject.code] }
        let coordinatorKey = try sealed.claimedCoordinatorKey()
        let welcome = try sealed.open(with: coordinatorKey)
        var seq: UInt64 = 1
        var rejects: [ReasonCode] = []
        while let bytes = try await frames.next() {
            let received = try codec.parse(bytes).open(with: coordinatorKey)
            switch received.message {
            case .task(let task):
                if silent { break }
                let tensors = received.tensors.map { Tensor(name: $0.name, shape: $0.shape, floats: [Float](repeating: delta, count: $0.elementCount)) }
                let envelope = Envelope(sender: key.publicKey.fingerprint, session: welcome.envelope.session,
                                        challenge: welcome.envelope.challenge, round: received.envelope.round, seq: seq)
                let frame = try codec.encode(.update(Update(baseVersionID: task.baseVersionID, samples: samples, metrics: metrics ?? ["loss": Double(delta)])),
                                             envelope: envelope, tensors: tensors,
                                             options: PayloadOptions(encoding: .f32, compressionLevel: nil, delta: task.baseVersionID), signer: key)
                seq += 1
                try await connection.send(frame)
                if replayUpdates || (replayFirstUpdate && seq == 2) { try await connection.send(frame) }
            case .evaluate(let evaluate):
                guard let evaluation else { break }
                let envelope = Envelope(sender: key.publicKey.fingerprint, session: welcome.envelope.session,
                                        challenge: welcome.envelope.challenge, round: received.envelope.round, seq: seq)
                seq += 1
                try await connection.send(try codec.encode(.evaluation(Evaluation(versionID: evaluate.versionID, samples: evaluation.samples,
                                                                                  metrics: evaluation.metrics)),
                                                           envelope: envelope, signer: key))
            case .reject(let reject):
                rejects.append(reject.code)
            case .bye:
                await connection.close()
                return rejects
            default:
                break
            }
        }
        return rejects
    }
}

/// A store with the given sites enrolled (default site-a and site-b), their scripted sites,
/// and a configuration for in-memory runs (also used by IdentityThrottleTests).
func makeFederation(rounds: Int, sites spec: [(String, Float, Int)] = [("site-a", 0.5, 1), ("site-b", 0.25, 3)])
    throws -> (Registry, SigningKey, [ScriptedSite], CoordinatorConfiguration) {
    let coordinatorKey = try SigningKey.generate()
    let schema = ParameterSchema(tensors: [TensorSpec(name: "w", dtype: .f32, shape: [4])])
    let registry = try Registry.create(storage: InMemoryStorage(), component: ComponentSpec(id: "test", schema: schema, aggregation: .mean),
                                       initialParameters: [Tensor(name: "w", shape: [4], floats: [1, 2, 3, 4])],
                                       signer: coordinatorKey, software: "test")
    var sites: [ScriptedSite] = []
    for (name, delta, samples) in spec {
        let key = try SigningKey.generate()
        try registry.enroll(name: name, key: key.publicKey, signer: coordinatorKey)
        sites.append(ScriptedSite(name: name, key: key, delta: delta, samples: samples))
    }
    var config = CoordinatorConfiguration()
    config.rounds = rounds
    config.minSites = 2
    config.roundDeadlineSeconds = 10
    config.evaluationDeadlineSeconds = 0
    // In-memory connections carry no TLS key to bind the hello to.
    config.insecure = true
    return (registry, coordinatorKey, sites, config)
}

/// Connects every scripted site over an in-memory pair, runs the coordinator's round loop
/// to the end, and returns the reject codes the sites received.
func runFederation(_ coordinator: Coordinator, sites: [ScriptedSite]) async throws -> [ReasonCode] {
    try await withThrowingTaskGroup(of: [ReasonCode].self) { group in
        for site in sites {
            let (siteEnd, coordinatorEnd) = InMemoryFrameConnection.makePair()
            group.addTask { await coordinator.serve(coordinatorEnd); return [] }
            group.addTask { try await site.run(siteEnd) }
        }
        // Let every site's hello through before the round loop starts: otherwise, on a loaded
        // machine, round 1 can start with only the first `minSites` sites, and a test that
        // counts one refusal per round sees an extra one when that round is retried. A site
        // the coordinator refuses never connects, so the wait is bounded.
        let waitUntil = ContinuousClock.now + .seconds(2)
        while await coordinator.snapshot().sessions.count < sites.count, ContinuousClock.now < waitUntil {
            try await Task.sleep(for: .milliseconds(5))
        }
        try await coordinator.run()
        var all: [ReasonCode] = []
        for try await codes in group { all += codes }
        return all
    }
}

@Test(.timeLimit(.minutes(1)))
func roundsCommitTheSampleWeightedMean() async throws {
    let (registry, coordinatorKey, sites, config) = try makeFederation(rounds: 2)
    let coordinator = try Coordinator(registry: registry, key: coordinatorKey, config: config, logger: Logger(label: "test"))
    let rejects = try await runFederation(coordinator, sites: sites)
    #expect(rejects.isEmpty)
    let latest = try registry.latestVersion()
    #expect(latest.number == 2)
    #expect(latest.manifest.contributions.map(\.site) == ["site-a", "site-b"])
    // FedAvg per round: (0.5·1 + 0.25·3) / 4 = 0.3125.
    let w = try registry.state(of: latest).parameters[0]
    #expect(w.values == .f32([1.625, 2.625, 3.625, 4.625]))
    #expect(registry.verify(replay: true).passed)
}

@Test(.timeLimit(.minutes(1)))
func aReplayedUpdateIsRefusedAndAudited() async throws {
    // Two rounds: site-a's round-2 update follows its replay on the same connection, so the
    // refusal reaches site-a before round 2 can commit and the coordinator says bye. With one
    // round, site-b's update could commit the round first and site-a stopped reading at the bye
    // before the reject arrived (seen in a landing; the refusal was audited all the same).
    var (registry, coordinatorKey, sites, config) = try makeFederation(rounds: 2)
    sites[0].replayFirstUpdate = true
    let coordinator = try Coordinator(registry: registry, key: coordinatorKey, config: config, logger: Logger(label: "test"))
    let rejects = try await runFederation(coordinator, sites: sites)
    #expect(rejects == [.replay])
    let refused = try registry.auditEntries().filter { $0.event == "frame-refused" }
    #expect(refused.count == 1)
    #expect(refused.first?.data["code"] == "replay")
    #expect(refused.first?.data["site"] == "site-a")
    #expect(try registry.latestVersion().number == 2)
}

@Test(.timeLimit(.minutes(1)))
func anUnenrolledKeyIsRefusedAndAudited() async throws {
    let (registry, coordinatorKey, _, config) = try makeFederation(rounds: 1)
    let coordinator = try Coordinator(registry: registry, key: coordinatorKey, config: config, logger: Logger(label: "test"))
    let stranger = ScriptedSite(name: "site-x", key: try SigningKey.generate(), delta: 1, samples: 1)
    let (siteEnd, coordinatorEnd) = InMemoryFrameConnection.makePair()
    async let served: Void = coordinator.serve(coordinatorEnd)
    let codes = try await stranger.run(siteEnd)
    await served
    #expect(codes == [.unknownKey])
    let refused = try registry.auditEntries().filter { $0.event == "hello-refused" }
    #expect(refused.first?.data["code"] == "unknown-key")
    #expect(refused.first?.data["fingerprint"] == stranger.key.publicKey.fingerprint.hex)
}

@Test(.timeLimit(.minutes(1)))
func anUpdateAboveMaxUpdateNormIsRefusedAndAudited() async throws {
    // site-a's delta is 0.5 on 4 elements (L2 norm 1), site-b's 0.25 (norm 0.5).
    let (registry, coordinatorKey, sites, federation) = try makeFederation(rounds: 1)
    var config = federation
    config.maxUpdateNorm = 0.75
    config.minSites = 1
    // site-a stays connected without an accepted update; its refusal counts as its answer,
    // so the round closes without waiting for this deadline.
    config.roundDeadlineSeconds = 300
    let coordinator = try Coordinator(registry: registry, key: coordinatorKey, config: config, logger: Logger(label: "test"))
    let started = ContinuousClock.now
    let rejects = try await runFederation(coordinator, sites: sites)
    // Far below the 300 s deadline (the 1-minute time limit fails a round that waited for it);
    // not a tighter wall-clock bound: a loaded 2-core CI machine stretches a 0.1 s round to 20 s.
    #expect(ContinuousClock.now - started < .seconds(60))
    #expect(try registry.auditEntries().contains { $0.event == "round-deadline" } == false)
    #expect(rejects == [.normExceeded])
    let refused = try registry.auditEntries().filter { $0.event == "frame-refused" }
    #expect(refused.count == 1)
    #expect(refused.first?.data["code"] == "norm-exceeded")
    #expect(refused.first?.data["site"] == "site-a")
    let latest = try registry.latestVersion()
    #expect(latest.manifest.contributions.map(\.site) == ["site-b"])
    #expect(try registry.state(of: latest).parameters[0].values == .f32([1.25, 2.25, 3.25, 4.25]))
}

/// PROTOCOL.md §6 point 5: the reject to a refused hello is signed by the coordinator's key
/// (which a site over TLS holds from the certificate it pinned), names no session, refSeq 0.
@Test(.timeLimit(.minutes(1)))
func theRejectOfAHelloVerifiesWithTheCoordinatorKey() async throws {
    let (registry, coordinatorKey, _, config) = try makeFederation(rounds: 1)
    let coordinator = try Coordinator(registry: registry, key: coordinatorKey, config: config, logger: Logger(label: "test"))
    let stranger = try SigningKey.generate()
    let (siteEnd, coordinatorEnd) = InMemoryFrameConnection.makePair()
    async let served: Void = coordinator.serve(coordinatorEnd)
    let codec = MessageCodec()
    try await siteEnd.send(try codec.encode(.hello(Hello(site: "x", software: "test")), envelope: Envelope(sender: stranger.publicKey.fingerprint), signer: stranger))
    var frames = siteEnd.inbound.makeAsyncIterator()
    let first = try #require(try await frames.next())
    let received = try codec.parse(first).open(with: coordinatorKey.publicKey)
    #expect(received.message == .reject(Reject(code: .unknownKey, reason: "key \(stranger.publicKey.fingerprint.short) is not enrolled", refSeq: 0)))
    #expect(received.envelope.session.isEmpty && received.envelope.challenge.isEmpty && received.envelope.seq == 0)
    await served
}

/// A frame with this session's id but another challenge is refused as wrong-session with a
/// reason that says so (it used to read "belongs to session X, not X").
@Test(.timeLimit(.minutes(1)))
func aWrongChallengeIsNamedAsSuch() async throws {
    let (registry, coordinatorKey, sites, config) = try makeFederation(rounds: 1)
    let coordinator = try Coordinator(registry: registry, key: coordinatorKey, config: config, logger: Logger(label: "test"))
    let site = sites[0]
    let (siteEnd, coordinatorEnd) = InMemoryFrameConnection.makePair()
    let served = Task { await coordinator.serve(coordinatorEnd) }
    let codec = MessageCodec()
    try await siteEnd.send(try codec.encode(.hello(Hello(site: site.name, software: "test")), envelope: Envelope(sender: site.key.publicKey.fingerprint), signer: site.key))
    var frames = siteEnd.inbound.makeAsyncIterator()
    let welcome = try codec.parse(try #require(try await frames.next())).open(with: coordinatorKey.publicKey)
    let envelope = Envelope(sender: site.key.publicKey.fingerprint, session: welcome.envelope.session, challenge: "00", round: 0, seq: 1)
    try await siteEnd.send(try codec.encode(.heartbeat(Heartbeat(state: "idle")), envelope: envelope, signer: site.key))
    var reject: Reject?
    while reject == nil, let bytes = try await frames.next() {
        if case .reject(let r) = try codec.parse(bytes).open(with: coordinatorKey.publicKey).message { reject = r }
    }
    #expect(reject?.code == .wrongSession && reject?.refSeq == 1)
    #expect(reject?.reason.contains("challenge") == true, "\(String(describing: reject?.reason))")
    await siteEnd.close()
    await served.value
}

/// Sends a hello on `connection` and reads until a frame of `type` (the round's task, or an
/// evaluate) arrives, then returns without answering and without closing: a site whose link
/// blipped, before its old connection is seen as dead.
private func helloThenWait(for type: MessageType, _ site: ScriptedSite, _ connection: InMemoryFrameConnection) async throws {
    let codec = MessageCodec()
    try await connection.send(try codec.encode(.hello(Hello(site: site.name, software: "test")),
                                               envelope: Envelope(sender: site.key.publicKey.fingerprint), signer: site.key))
    var frames = connection.inbound.makeAsyncIterator()
    while let bytes = try await frames.next() {
        if try codec.parse(bytes).type == type { return }
    }
}

/// Runs `coordinator` with site-b honest and site-a reconnecting once it has received a
/// frame of `type` on its first connection; returns the reject codes the sites received.
private func runWithReconnect(_ coordinator: Coordinator, sites: [ScriptedSite], after type: MessageType) async throws -> [ReasonCode] {
    try await withThrowingTaskGroup(of: [ReasonCode].self) { group in
        let (bSite, bCoordinator) = InMemoryFrameConnection.makePair()
        group.addTask { await coordinator.serve(bCoordinator); return [] }
        group.addTask { try await sites[1].run(bSite) }
        let (oldSite, oldCoordinator) = InMemoryFrameConnection.makePair()
        group.addTask { await coordinator.serve(oldCoordinator); return [] }
        group.addTask {
            try await helloThenWait(for: type, sites[0], oldSite)
            // The reconnect: same key, new connection, while the old one is still open.
            let (newSite, newCoordinator) = InMemoryFrameConnection.makePair()
            async let served: Void = coordinator.serve(newCoordinator)
            let codes = try await sites[0].run(newSite)
            await served
            return codes
        }
        try await coordinator.run()
        var all: [ReasonCode] = []
        for try await codes in group { all += codes }
        return all
    }
}

@Test(.timeLimit(.minutes(1)))
func aSecondHelloMidRoundHandsTheTaskToTheNewSessionAndTheRoundClosesPromptly() async throws {
    let (registry, coordinatorKey, sites, federation) = try makeFederation(rounds: 1)
    var config = federation
    // Before the fix the round waited for this deadline (the new session never got the
    // task, the old one was never counted as gone) and was then retried.
    config.roundDeadlineSeconds = 300
    let coordinator = try Coordinator(registry: registry, key: coordinatorKey, config: config, logger: Logger(label: "test"))
    let started = ContinuousClock.now
    let rejects = try await runWithReconnect(coordinator, sites: sites, after: .task)
    // Far below the 300 s deadline (the 1-minute time limit fails a round that waited for it);
    // not a tighter wall-clock bound: a loaded 2-core CI machine stretches a 0.1 s round to 20 s.
    #expect(ContinuousClock.now - started < .seconds(60))
    #expect(rejects.isEmpty)
    let events = try registry.auditEntries().map(\.event)
    #expect(!events.contains("round-deadline") && !events.contains("round-retried"), "\(events)")
    #expect(events.contains("session-replaced") && events.contains("task-resent"), "\(events)")
    let latest = try registry.latestVersion()
    #expect(latest.number == 1)
    #expect(latest.manifest.contributions.map(\.site) == ["site-a", "site-b"])
    #expect(registry.verify(replay: true).passed)
}

@Test(.timeLimit(.minutes(1)))
func aHelloClaimingALookAlikeNameIsRefused() async throws {
    let (registry, coordinatorKey, sites, config) = try makeFederation(rounds: 1)
    let coordinator = try Coordinator(registry: registry, key: coordinatorKey, config: config, logger: Logger(label: "test"))
    // "site-а" with a Cyrillic а, signed by site-a's enrolled key.
    let lookAlike = ScriptedSite(name: "site-\u{0430}", key: sites[0].key, delta: 1, samples: 1)
    let (siteEnd, coordinatorEnd) = InMemoryFrameConnection.makePair()
    async let served: Void = coordinator.serve(coordinatorEnd)
    let codes = try await lookAlike.run(siteEnd)
    await served
    #expect(codes == [.malformedFrame])
    let refused = try #require(try registry.auditEntries().last { $0.event == "hello-refused" })
    #expect(refused.data["code"] == "malformed-frame")
    #expect(refused.data["reason"]?.contains("U+0430") == true, "\(refused.data)")
    #expect(try registry.auditEntries().contains { $0.event == "session-open" } == false)
}

@Test(.timeLimit(.minutes(1)))
func aSecondHelloDuringEvaluationHandsTheEvaluateToTheNewSession() async throws {
    let (registry, coordinatorKey, scripted, federation) = try makeFederation(rounds: 1)
    var config = federation
    config.evaluationDeadlineSeconds = 300
    let sites = scripted.map { site in
        var site = site
        site.evaluation = (samples: 1, metrics: ["loss": 1])
        return site
    }
    let coordinator = try Coordinator(registry: registry, key: coordinatorKey, config: config, logger: Logger(label: "test"))
    let started = ContinuousClock.now
    // site-a's first session receives the evaluate of version 0, then site-a reconnects.
    let rejects = try await runWithReconnect(coordinator, sites: sites, after: .evaluate)
    #expect(ContinuousClock.now - started < .seconds(60), "an evaluation waited for its 300 s deadline")
    #expect(rejects.isEmpty)
    for version in [0, 1] {
        let record = try #require(try registry.evaluations(version: version))
        #expect(record.evaluations.map(\.site) == ["site-a", "site-b"], "version \(version)")
    }
}
