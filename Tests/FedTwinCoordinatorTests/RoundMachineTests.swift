import FedTwinAggregation
@testable import FedTwinCoordinator
import FedTwinRegistry
import FedTwinWire
import Testing

/// The round as a value (`RoundMachine`): events in, actions out, with no socket, process,
/// clock or actor. A real in-memory store supplies version 0 and the enrolments.
@Suite("Round state machine")
struct RoundMachineTests {
    let registry: Registry
    let base: StoredVersion
    let sites: [String: EnrolledSite]
    let component: ComponentSpec
    let config: CoordinatorConfiguration

    init() throws {
        let schema = ParameterSchema(tensors: [TensorSpec(name: "w", dtype: .f32, shape: [2])])
        component = ComponentSpec(id: "tiny", schema: schema, aggregation: .mean)
        let key = try SigningKey.generate()
        registry = try Registry.create(storage: InMemoryStorage(), component: component,
                                       initialParameters: [Tensor(name: "w", shape: [2], floats: [1, 2])], signer: key, software: "test")
        var enrolled: [String: EnrolledSite] = [:]
        for name in ["site-a", "site-b", "site-c"] {
            enrolled[name] = try registry.enroll(name: name, key: try SigningKey.generate().publicKey, signer: key)
        }
        sites = enrolled
        base = try registry.latestVersion()
        var config = CoordinatorConfiguration()
        config.minSites = 2
        config.maxUpdateNorm = 10
        self.config = config
    }

    /// A machine in round 1's training, `site-a` and `site-b` selected (task seq 1 in each).
    func training(selected: [String] = ["site-a", "site-b"]) throws -> RoundMachine {
        var machine = RoundMachine(component: component, config: config)
        machine.waitForQuorum(round: 1)
        var state = RoundState(round: 1, base: base, selected: Set(selected), started: .now)
        let task = TrainingTask(baseVersion: 0, baseVersionID: base.id, parametersID: "p", component: "tiny", training: TrainingSettings(),
                                deadlineSeconds: 60)
        state.task = (task, try TensorPayload.encode([Tensor(name: "w", shape: [2], floats: [1, 2])]))
        state.taskSeq = Dictionary(uniqueKeysWithValues: selected.map { ($0, UInt64(1)) })
        machine.trainingStarted(state)
        return machine
    }

    func update(round: UInt64 = 1, seq: UInt64 = 1, samples: Int = 4, delta: [Float] = [0.5, -0.5], from base: String? = nil,
                names: [String] = ["w"]) -> (Update, ReceivedMessage) {
        let update = Update(baseVersionID: base ?? self.base.id, samples: samples, metrics: ["train_loss": 0.1])
        let received = ReceivedMessage(envelope: Envelope(sender: sites["site-a"]!.fingerprint, session: "s", challenge: "c", round: round, seq: seq),
                                       message: .update(update), manifest: TensorManifest(rawLength: 8, delta: base ?? self.base.id, tensors: []),
                                       tensors: names.map { Tensor(name: $0, shape: [2], floats: delta) }, frame: [1, 2, 3])
        return (update, received)
    }

    func refusalCodes(_ verdict: RoundMachine.UpdateVerdict) -> [ReasonCode] {
        guard case .refused(let actions) = verdict else { return [] }
        return actions.compactMap { if case .refuse(_, let code, _, _, _) = $0 { return code } else { return nil } }
    }

    func accept(_ machine: inout RoundMachine, _ name: String, id: String = "obj") -> [RoundAction] {
        let (u, r) = update()
        #expect(machine.updateReceived(u, r, from: name) == .store)
        return machine.updateStored(u, r, from: sites[name]!, id: id, bytes: 3, now: .now)
    }

    @Test func anAcceptedUpdateIsStoredAckedAndAuditedAndTheLastOneWakesTheLoop() throws {
        var machine = try training()
        let first = accept(&machine, "site-a", id: "obj-a")
        #expect(first.contains(.audit(.updateAccepted, ["site": "site-a", "round": "1", "update": "obj-a", "samples": "4", "bytes": "3"])))
        #expect(first.contains(.send(site: "site-a", message: .ack(Ack(ackSeq: 1, storedID: "obj-a")), round: 1, payload: nil)))
        #expect(!first.contains(.wakeLoop))
        #expect(machine.awaitsUpdates)
        #expect(accept(&machine, "site-b").last == .wakeLoop)
        #expect(!machine.awaitsUpdates)
        guard case .aggregate(let closed, let actions) = machine.closeTraining() else { Issue.record("round did not aggregate"); return }
        #expect(closed.accepted.keys.sorted() == ["site-a", "site-b"])
        #expect(actions.isEmpty)
        #expect(machine.phase.name == "committing")
    }

    @Test func aSecondUpdateAnUnselectedSiteAndOtherRoundsAreRefusedWithoutAnsweringForTheRound() throws {
        var machine = try training()
        _ = accept(&machine, "site-a")
        let (u, r) = update()
        #expect(refusalCodes(machine.updateReceived(u, r, from: "site-a")) == [.unexpectedMessage])
        #expect(refusalCodes(machine.updateReceived(u, r, from: "site-c")) == [.unexpectedMessage])
        let (late, lateReceived) = update(round: 0)
        #expect(refusalCodes(machine.updateReceived(late, lateReceived, from: "site-b")) == [.lateUpdate])
        let (early, earlyReceived) = update(round: 2)
        #expect(refusalCodes(machine.updateReceived(early, earlyReceived, from: "site-b")) == [.wrongRound])
        #expect(machine.awaitsUpdates, "site-b has not answered yet")
    }

    @Test("an update refused on its content counts as answered", arguments: [
        ("base", ReasonCode.wrongBaseVersion), ("schema", .schemaMismatch), ("samples", .invalidSamples), ("norm", .normExceeded),
    ])
    func contentRefusalsAnswer(_ fault: String, _ code: ReasonCode) throws {
        var machine = try training()
        _ = accept(&machine, "site-a")
        let (u, r): (Update, ReceivedMessage)
        switch fault {
        case "base": (u, r) = update(from: "0000")
        case "schema": (u, r) = update(names: ["x"])
        case "samples": (u, r) = update(samples: 0)
        default: (u, r) = update(delta: [100, 100])
        }
        let verdict = machine.updateReceived(u, r, from: "site-b")
        #expect(refusalCodes(verdict) == [code])
        guard case .refused(let actions) = verdict else { return }
        #expect(actions.last == .wakeLoop)
        #expect(!machine.awaitsUpdates)
    }

    @Test func belowQuorumTheRoundIsRetriedAndAuditedWithTheMissingSites() throws {
        var machine = try training()
        _ = accept(&machine, "site-a")
        #expect(machine.deadlineReached(round: 1) == [.audit(.roundDeadline, ["round": "1", "accepted": "1"]), .wakeLoop])
        #expect(machine.deadlineReached(round: 2).isEmpty, "another round's deadline changes nothing")
        guard case .retry(let accepted, let actions) = machine.closeTraining() else { Issue.record("not retried"); return }
        #expect(accepted == 1)
        #expect(actions.first == .audit(.roundRetried, ["round": "1", "accepted": "1", "needed": "2", "missing": "site-b"]))
    }

    @Test func aSiteThatLeavesIsDroppedAndOnReturnGetsTheTaskAgainUntilTheDeadline() throws {
        var machine = try training(selected: ["site-a", "site-b", "site-c"])
        _ = accept(&machine, "site-a")
        _ = accept(&machine, "site-b")
        #expect(machine.sessionEnded("site-c") == [.wakeLoop])
        let handedOver = machine.sessionOpened("site-c", sessionID: "new", nextSeq: 5)
        #expect(handedOver.first == .audit(.taskResent, ["site": "site-c", "round": "1", "session": "new"]))
        guard case .send(let site, .task, 1, .some) = handedOver.last else { Issue.record("no task resent: \(handedOver)"); return }
        #expect(site == "site-c")
        #expect(machine.awaitsUpdates, "waited for again")
        // A reject of the resent task (seq 5) ends the wait; one naming the old seq does not.
        #expect(machine.requestRejected(by: "site-c", refSeq: 1).isEmpty)
        #expect(machine.awaitsUpdates)
        #expect(machine.requestRejected(by: "site-c", refSeq: 5) == [.wakeLoop])
        #expect(!machine.awaitsUpdates)
        // After the deadline nothing is handed over.
        var late = try training()
        _ = late.deadlineReached(round: 1)
        #expect(late.sessionOpened("site-a", sessionID: "s2", nextSeq: 2).isEmpty)
    }

    @Test func aFullStoreClosesTheRoundAndAStopAbandonsIt() throws {
        var machine = try training()
        #expect(machine.stopRequested(reason: "signal") == [.audit(.roundAbandoned, ["round": "1", "reason": "signal", "accepted": "0"]), .wakeLoop])
        #expect(machine.storeFull(code: .noSpace).first == .audit(.roundClosedStoreUnavailable, ["round": "1", "code": "no-space", "accepted": "0"]))
        #expect(!machine.awaitsUpdates)
        var waiting = RoundMachine(component: component, config: config)
        waiting.waitForQuorum(round: 3)
        #expect(waiting.currentRound == 2)
        #expect(waiting.sessionOpened("site-a", sessionID: "s", nextSeq: 1) == [.wakeLoop])
        #expect(waiting.storeFull(code: .noSpace).isEmpty)
        let (u, r) = update(round: 3)
        #expect(refusalCodes(waiting.updateReceived(u, r, from: "site-a")) == [.wrongRound])
    }

    @Test func evaluationsAreRecordedIgnoredOrRefusedAsAnswers() throws {
        var machine = RoundMachine(component: component, config: config)
        var state = EvaluationState(version: base, asked: ["site-a", "site-b"])
        state.frameSeq = ["site-a": 2, "site-b": 2]
        machine.evaluationStarted(state)
        let evaluation = Evaluation(versionID: base.id, samples: 3, metrics: ["loss": 0.2])
        let received = ReceivedMessage(envelope: Envelope(sender: sites["site-a"]!.fingerprint, round: 0, seq: 4), message: .evaluation(evaluation),
                                       manifest: nil, tensors: [], frame: [])
        #expect(machine.evaluationReceived(evaluation, received, from: "site-a") == .store)
        #expect(machine.evaluationStored(evaluation, received, from: sites["site-a"]!, id: "e")
            == [.send(site: "site-a", message: .ack(Ack(ackSeq: 4, storedID: "e")), round: 0, payload: nil)])
        #expect(machine.evaluationReceived(evaluation, received, from: "site-c")
            == .refused([.auditForSite("site-c", code: .unexpectedMessage, .evaluationIgnored, ["site": "site-c", "version": base.id])]))
        let bad = Evaluation(versionID: base.id, samples: 3, metrics: ["loss": -1])
        let verdict = machine.evaluationReceived(bad, received, from: "site-b")
        guard case .refused(let actions) = verdict, case .refuse(_, .invalidMetric, _, 4, _) = actions.first else {
            Issue.record("not refused as invalid-metric: \(verdict)"); return
        }
        #expect(actions.last == .wakeLoop)
        #expect(machine.closeEvaluation()?.results.keys.sorted() == ["site-a"])
    }
}
