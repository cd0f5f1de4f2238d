import FedTwinAggregation
import FedTwinRegistry
import FedTwinWire

/// What the coordinator must do about an event of the round, in the order given.
///
/// `RoundMachine` decides; the `Coordinator` actor only executes (`Coordinator.execute`):
/// it owns the sockets, the store and the audit log, the machine owns the phase.
enum RoundAction: Sendable, Equatable {
    /// Answer a site's frame with a `reject` naming `seq` as `refSeq`, and audit it as
    /// `frame-refused` (within the site's audit budget).
    case refuse(site: String, code: ReasonCode, reason: String, seq: UInt64?, round: UInt64?)
    /// Record a typed audit event (buffered until the next flush).
    case audit(AuditEvent, [String: String])
    /// Record a typed audit event the site's frame caused, within that site's audit budget
    /// (`IdentityThrottle`), charged under `code`.
    case auditForSite(String, code: ReasonCode, AuditEvent, [String: String])
    /// Write the audit buffer now.
    case flushAudit
    /// Queue a frame to the site's current session.
    case send(site: String, message: Message, round: Int, payload: TensorPayload?)
    /// Tell the operator (progress line, `onEvent`).
    case report(CoordinatorEvent)
    /// Resume the round loop: the phase it waits on may be over.
    case wakeLoop
}

/// The round as a value: the coordinator's `Phase` and every transition between phases and
/// within one, with the screening of what sites send (docs/architecture.md, "The
/// coordinator's state machine", draws it).
///
/// Events come in — a round or an evaluation starts, an update or evaluation arrives or was
/// stored, a site rejects a request, a session opens or ends, a deadline passes, the store
/// fills up, a stop is asked for, the loop closes a round — and `RoundAction`s come out. The
/// machine does no I/O, reads no clock of its own and holds no reference to the actor, so
/// it is unit-tested without sockets, processes or a store (RoundMachineTests). This is the
/// only place that assigns `phase`.
struct RoundMachine: Sendable {
    private(set) var phase: Phase = .waitingForQuorum(round: 1)

    /// The component's parameter schema: an update's tensors must match it.
    let schema: ParameterSchema
    /// `mean` components get deltas (base-checked, norm-bounded); `sum` ones statistics.
    let aggregation: AggregationKind
    /// Bounds on sample counts and metrics.
    let screening: UpdateScreening
    /// Largest L2 norm of a delta, if bounded.
    let maxUpdateNorm: Double?
    /// Accepted updates a round needs to commit.
    let minSites: Int
    /// Samples of each site's first contribution in the store (`UpdateScreening`).
    var referenceSamples: [String: Int] = [:]

    init(component: ComponentSpec, config: CoordinatorConfiguration) {
        schema = component.schema
        aggregation = component.aggregation
        screening = UpdateScreening(config)
        maxUpdateNorm = config.maxUpdateNorm
        minSites = config.minSites
    }

    /// The round currently or last open (`Int.max` once stopping or finished).
    var currentRound: Int {
        switch phase {
        case .waitingForQuorum(let round): return round - 1
        case .training(let s): return s.round
        case .committing(let round): return round
        case .evaluating(let s): return s.version.manifest.round
        case .stopping, .finished: return Int.max
        }
    }

    /// True while a round collects updates and some selected site has not answered.
    var awaitsUpdates: Bool {
        if case .training(let s) = phase { return !s.isComplete }
        return false
    }

    /// True while an evaluation collects results and some asked site has not answered.
    var awaitsEvaluations: Bool {
        if case .evaluating(let s) = phase { return !s.isComplete }
        return false
    }

    // MARK: phases the loop moves through

    mutating func waitForQuorum(round: Int) { phase = .waitingForQuorum(round: round) }

    /// Tasks were queued: collect updates.
    mutating func trainingStarted(_ state: RoundState) { phase = .training(state) }

    /// Evaluate frames were queued: collect results.
    mutating func evaluationStarted(_ state: EvaluationState) { phase = .evaluating(state) }

    mutating func stopping() { phase = .stopping }

    mutating func finished() { phase = .finished }

    /// How a round's collection ended (`closeTraining`).
    enum Closing: Sendable {
        /// The phase is no longer this round's training (stopped meanwhile): nothing to do.
        case abandoned
        /// Fewer than `minSites` updates accepted: the round is retried with the same number.
        case retry(accepted: Int, [RoundAction])
        /// Aggregate `accepted` and commit; the actions come first.
        case aggregate(RoundState, [RoundAction])
    }

    /// The loop stopped waiting for updates (`awaitsUpdates` is false, or a stop): moves to
    /// `committing` and says whether the round commits.
    mutating func closeTraining() -> Closing {
        guard case .training(let finished) = phase else { return .abandoned }
        let round = finished.round
        phase = .committing(round: round)
        let missing = finished.selected.subtracting(finished.accepted.keys).sorted()
        if finished.accepted.count < minSites {
            return .retry(accepted: finished.accepted.count, [
                .audit(.roundRetried, ["round": String(round), "accepted": String(finished.accepted.count), "needed": String(minSites),
                                       "missing": missing.joined(separator: ",")]),
                .flushAudit,
                .report(.roundRetried(round: round, accepted: finished.accepted.count, needed: minSites)),
            ])
        }
        var actions: [RoundAction] = []
        if !missing.isEmpty {
            actions.append(.audit(.roundClosedWithMissingSites, ["round": String(round), "missing": missing.joined(separator: ",")]))
        }
        return .aggregate(finished, actions)
    }

    /// Aggregation of a closed round failed: it is retried.
    func aggregationFailed(round: Int, error: String) -> [RoundAction] {
        [.audit(.roundAggregationFailed, ["round": String(round), "error": error]), .flushAudit]
    }

    /// A version was committed: its contributors' first sample counts become their references.
    mutating func committed(_ contributions: [ContributionRecord]) {
        for contribution in contributions where referenceSamples[contribution.site] == nil {
            referenceSamples[contribution.site] = contribution.samples
        }
    }

    /// The loop stopped waiting for evaluations: the results to record, if any.
    func closeEvaluation() -> EvaluationState? {
        guard case .evaluating(let finished) = phase, !finished.results.isEmpty else { return nil }
        return finished
    }

    // MARK: updates

    /// What to do with an update that verified (`updateReceived`).
    enum UpdateVerdict: Sendable, Equatable {
        /// Store the frame, then call `updateStored` (or `updateNotStored`).
        case store
        /// Refused: execute these.
        case refused([RoundAction])
    }

    /// An update from `site` arrived in its session, signature and `seq` checked: checks
    /// the round, the selection, the base version, the schema, the sample count and
    /// metrics, and the delta's norm.
    mutating func updateReceived(_ update: Update, _ received: ReceivedMessage, from site: String) -> UpdateVerdict {
        let round = Int(received.envelope.round)
        let seq = received.envelope.seq
        func refuse(_ code: ReasonCode, _ reason: String) -> UpdateVerdict {
            .refused([.refuse(site: site, code: code, reason: reason, seq: seq, round: UInt64(round))])
        }
        guard case .training(var state) = phase else {
            let closed = round <= currentRound
            return refuse(closed ? .lateUpdate : .wrongRound, closed ? "round \(round) is closed" : "no round is open")
        }
        guard round == state.round else {
            return refuse(round < state.round ? .lateUpdate : .wrongRound,
                          round < state.round ? "round \(round) is closed; round \(state.round) is open" : "round \(round) is not open (round \(state.round) is)")
        }
        guard state.selected.contains(site) else {
            return refuse(.unexpectedMessage, "site was not selected for round \(round)")
        }
        guard state.accepted[site] == nil else {
            return refuse(.unexpectedMessage, "an update for round \(round) was already accepted")
        }
        /// Refused on its content: the site has answered for the round (`RoundState.refused`).
        func refuseContribution(_ code: ReasonCode, _ reason: String) -> UpdateVerdict {
            var actions: [RoundAction] = [.refuse(site: site, code: code, reason: reason, seq: seq, round: UInt64(round))]
            state.refused.insert(site)
            phase = .training(state)
            if state.isComplete { actions.append(.wakeLoop) }
            return .refused(actions)
        }
        guard update.baseVersionID == state.base.id else {
            return refuseContribution(.wrongBaseVersion, "trained from \(update.baseVersionID.prefix(12)), round \(round) is based on version \(state.base.number) (\(state.base.id.prefix(12)))")
        }
        if aggregation == .mean, received.manifest?.delta != state.base.id {
            return refuseContribution(.wrongBaseVersion, "update must be a delta from version \(state.base.number)")
        }
        do {
            try schema.validate(received.tensors)
        } catch {
            return refuseContribution(.schemaMismatch, "\(error)")
        }
        if let refusal = screening.screen(update, reference: referenceSamples[site]) {
            return refuseContribution(refusal.code, refusal.reason)
        }
        if let bound = maxUpdateNorm, aggregation == .mean {
            let norm = DeltaCombination.l2Norm(received.tensors)
            guard norm <= bound else {
                return refuseContribution(.normExceeded, "delta L2 norm \(norm) exceeds maxUpdateNorm \(bound)")
            }
        }
        return .store
    }

    /// The update `updateReceived` passed was stored as object `id`: it is accepted and acked.
    /// Small rounds keep the decoded update for aggregation; past
    /// `RoundState.heldElementBudget` it is read back from the store at close, so memory
    /// stays bounded however many sites answer.
    mutating func updateStored(_ update: Update, _ received: ReceivedMessage, from site: EnrolledSite, id: String,
                               bytes: Int, now: ContinuousClock.Instant) -> [RoundAction] {
        guard case .training(var state) = phase, state.round == Int(received.envelope.round), state.accepted[site.name] == nil else { return [] }
        let round = state.round
        let elements = received.tensors.reduce(0) { $0 + $1.elementCount }
        let keep = state.heldElements + elements <= RoundState.heldElementBudget
        if keep { state.heldElements += elements }
        state.accepted[site.name] = PendingContribution(site: site, frameID: id, received: keep ? received : nil)
        state.bytesIn += bytes
        phase = .training(state)
        var actions: [RoundAction] = [
            .audit(.updateAccepted, ["site": site.name, "round": String(round), "update": id, "samples": String(update.samples),
                                     "bytes": String(bytes)]),
            .send(site: site.name, message: .ack(Ack(ackSeq: received.envelope.seq, storedID: id)), round: round, payload: nil),
            .report(.updateReceived(round: round, site: site.name, reported: state.accepted.count, selected: state.selected.count,
                                    bytesIn: state.bytesIn, elapsedSeconds: (now - state.started).seconds)),
        ]
        if state.isComplete { actions.append(.wakeLoop) }
        return actions
    }

    /// The update could not be stored (the store's error in `error`): refused, the site may
    /// send again in the same round.
    func updateNotStored(_ received: ReceivedMessage, from site: String, error: String) -> [RoundAction] {
        [.refuse(site: site, code: .internalError, reason: "cannot store the update: \(error)", seq: received.envelope.seq,
                 round: received.envelope.round)]
    }

    // MARK: evaluations

    /// An evaluation from `site` arrived in its session: ignored unless the site was asked
    /// for this version and has not answered; refused (and counted as answered) if its
    /// numbers are out of bounds.
    mutating func evaluationReceived(_ evaluation: Evaluation, _ received: ReceivedMessage, from site: String) -> UpdateVerdict {
        guard case .evaluating(var state) = phase, evaluation.versionID == state.version.id, state.asked.contains(site),
              state.results[site] == nil else {
            return .refused([.auditForSite(site, code: .unexpectedMessage, .evaluationIgnored, ["site": site, "version": evaluation.versionID])])
        }
        if let refusal = screening.screen(evaluation) {
            var actions: [RoundAction] = [.refuse(site: site, code: refusal.code, reason: refusal.reason, seq: received.envelope.seq,
                                                  round: received.envelope.round)]
            state.refused.insert(site)
            phase = .evaluating(state)
            if state.isComplete { actions.append(.wakeLoop) }
            return .refused(actions)
        }
        return .store
    }

    /// The evaluation was stored as object `id`: recorded and acked.
    mutating func evaluationStored(_ evaluation: Evaluation, _ received: ReceivedMessage, from site: EnrolledSite, id: String) -> [RoundAction] {
        guard case .evaluating(var state) = phase, evaluation.versionID == state.version.id, state.results[site.name] == nil else { return [] }
        state.results[site.name] = SiteEvaluation(site: site.name, fingerprint: site.fingerprint, samples: evaluation.samples,
                                                  metrics: evaluation.metrics, frame: id)
        phase = .evaluating(state)
        var actions: [RoundAction] = [.send(site: site.name, message: .ack(Ack(ackSeq: received.envelope.seq, storedID: id)),
                                            round: Int(received.envelope.round), payload: nil)]
        if state.isComplete { actions.append(.wakeLoop) }
        return actions
    }

    func evaluationNotStored(_ received: ReceivedMessage, from site: String, error: String) -> [RoundAction] {
        [.refuse(site: site, code: .internalError, reason: "cannot store the evaluation: \(error)", seq: received.envelope.seq,
                 round: received.envelope.round)]
    }

    // MARK: sites coming and going

    /// A site refused the round's task or evaluate frame (`refSeq` is that frame's seq in
    /// its session): it has answered and will not send more, so the phase stops waiting for it.
    mutating func requestRejected(by name: String, refSeq: UInt64?) -> [RoundAction] {
        guard let refSeq else { return [] }
        switch phase {
        case .training(var s) where s.taskSeq[name] == refSeq && s.accepted[name] == nil:
            s.refused.insert(name)
            phase = .training(s)
            return s.isComplete ? [.wakeLoop] : []
        case .evaluating(var s) where s.frameSeq[name] == refSeq && s.results[name] == nil:
            s.dropped.insert(name)
            phase = .evaluating(s)
            return s.isComplete ? [.wakeLoop] : []
        default:
            return []
        }
    }

    /// A site's session ended: a round or evaluation that waits for it stops waiting.
    mutating func sessionEnded(_ name: String) -> [RoundAction] {
        switch phase {
        case .training(var state) where state.selected.contains(name) && state.accepted[name] == nil:
            state.dropped.insert(name)
            phase = .training(state)
            return state.isComplete ? [.wakeLoop] : []
        case .evaluating(var state) where state.asked.contains(name):
            state.dropped.insert(name)
            phase = .evaluating(state)
            return state.isComplete ? [.wakeLoop] : []
        default:
            return []
        }
    }

    /// A site opened a session (`sessionID`; its next outbound seq is `nextSeq`): the loop
    /// waiting for quorum wakes, and the work the current phase still wants from that site is
    /// handed over — the round's task if the site is selected and has neither an accepted
    /// nor a refused update, or the version to evaluate if its evaluation is neither recorded
    /// nor refused. That is the honest reconnect after a network blip — the old connection may
    /// not even be seen as dead yet — and without it the round would wait its whole deadline
    /// for an answer the site was never asked for. A site already counted as dropped is
    /// waited for again, within the same deadline; after the deadline nothing is handed over.
    mutating func sessionOpened(_ name: String, sessionID: String, nextSeq: UInt64) -> [RoundAction] {
        switch phase {
        case .waitingForQuorum:
            return [.wakeLoop]
        case .training(var state) where state.selected.contains(name) && state.accepted[name] == nil
            && !state.refused.contains(name) && !state.deadlinePassed:
            guard let work = state.task else { return [] }
            state.dropped.remove(name)
            // The new session's seq of the task, so a reject of it ends the wait (requestRejected).
            state.taskSeq[name] = nextSeq
            phase = .training(state)
            return [.audit(.taskResent, ["site": name, "round": String(state.round), "session": sessionID]), .flushAudit,
                    .send(site: name, message: .task(work.message), round: state.round, payload: work.payload)]
        case .evaluating(var state) where state.asked.contains(name) && state.results[name] == nil
            && !state.refused.contains(name) && !state.deadlinePassed:
            guard let work = state.request else { return [] }
            state.dropped.remove(name)
            state.frameSeq[name] = nextSeq
            phase = .evaluating(state)
            return [.send(site: name, message: .evaluate(work.message), round: state.version.manifest.round, payload: work.payload)]
        default:
            return []
        }
    }

    // MARK: time, the store and stopping

    /// The round's deadline passed: everyone who has not answered counts as dropped, so the
    /// loop closes the round; from now on nothing is handed over to a new session.
    mutating func deadlineReached(round: Int) -> [RoundAction] {
        guard case .training(var s) = phase, s.round == round else { return [] }
        s.deadlinePassed = true
        s.dropped.formUnion(s.selected.subtracting(s.accepted.keys))
        phase = .training(s)
        return [.audit(.roundDeadline, ["round": String(round), "accepted": String(s.accepted.count)]), .wakeLoop]
    }

    /// The evaluation's deadline passed: the asked sites that did not answer count as dropped.
    mutating func evaluationDeadlineReached(version: Int) -> [RoundAction] {
        guard case .evaluating(var s) = phase, s.version.number == version else { return [] }
        s.deadlinePassed = true
        s.dropped.formUnion(s.asked.subtracting(s.results.keys))
        phase = .evaluating(s)
        return [.wakeLoop]
    }

    /// The store's file system is full: no further answer can be stored, so an open round or
    /// evaluation closes now, as at its deadline (the round commits what it has, pausing
    /// until it can, or is retried).
    mutating func storeFull(code: RegistryError.Code) -> [RoundAction] {
        switch phase {
        case .training(var state):
            state.dropped.formUnion(state.selected.subtracting(state.accepted.keys))
            phase = .training(state)
            return [.audit(.roundClosedStoreUnavailable, ["round": String(state.round), "code": code.rawValue, "accepted": String(state.accepted.count)]),
                    .wakeLoop]
        case .evaluating(var state):
            state.dropped.formUnion(state.asked.subtracting(state.results.keys))
            phase = .evaluating(state)
            return [.wakeLoop]
        default:
            return []
        }
    }

    /// A stop was asked for: an open round is abandoned (nothing from it is committed).
    /// The phase stays until the loop sees the stop and moves to `stopping`.
    func stopRequested(reason: String) -> [RoundAction] {
        guard case .training(let state) = phase else { return [.wakeLoop] }
        return [.audit(.roundAbandoned, ["round": String(state.round), "reason": reason, "accepted": String(state.accepted.count)]), .wakeLoop]
    }
}
