import FedTwinAggregation
import FedTwinRegistry
import FedTwinTransport
import FedTwinWire
import Foundation
import Logging

/// The coordinator: authenticates sites, runs the round loop, aggregates, and commits
/// signed versions to the registry. All mutable state lives in this actor, in `phase` and
/// `sessions`; the connection tasks (`serve`) decode and verify frames outside it and
/// call in with typed messages.
///
/// Round loop (`run`): wait for quorum → send the task (global model encoded once) →
/// collect updates until every selected site answered or dropped, or the deadline →
/// below quorum: retry the round; else aggregate (fixed order) and commit → ask the
/// connected sites to evaluate the new version and record their answers → next round.
public actor Coordinator {
    public static let software = FedTwinVersion.software

    let registry: Registry
    let key: SigningKey
    let config: CoordinatorConfiguration
    let strategy: any AggregationStrategy
    let component: ComponentSpec
    let logger: Logger
    let onEvent: @Sendable (CoordinatorEvent) -> Void
    let codec: MessageCodec

    /// The round as a value: the phase and every transition (RoundMachine.swift). The actor
    /// feeds it events and executes the actions it returns (Coordinator+Actions.swift).
    var machine: RoundMachine {
        didSet { if oldValue.phase.name != machine.phase.name { phaseChanged(from: oldValue.phase.name) } }
    }
    /// The machine's phase, for reading.
    var phase: Phase { machine.phase }
    /// What the status endpoint reads (Coordinator+Snapshot.swift): traffic, audit entries
    /// appended by this process, and seconds spent in each phase.
    var observed = ObservedCounters()
    var sessions: [String: SiteSession] = [:]
    /// Wakes the round loop: quorum reached, round complete, evaluations complete, or stop.
    var waiter: CheckedContinuation<Void, Never>?
    var stopRequested = false
    /// Audit events not yet written; flushed at every commit and state change.
    var auditBuffer: [(event: AuditEvent, data: [String: String])] = []
    /// Global state of the latest version, kept so a round does not re-read it.
    var current: (version: StoredVersion, state: ModelState)?
    /// Bounds the audit entries unidentified peers can cause (Coordinator+Sessions.swift).
    var refusals = RefusalThrottle()
    /// Bounds the sessions and audit entries each enrolled site can cause (Coordinator+Sessions.swift).
    var identities = IdentityThrottle()
    /// The last store write that failed for a reason an operator can fix (disk full, damaged
    /// audit tail): the loop checks the store before it starts the next round
    /// (Coordinator+Store.swift).
    var storeFault: RegistryError?
    /// How often a paused round loop retries the store.
    let storeRetryInterval: Duration

    public init(registry: Registry, key: SigningKey, config: CoordinatorConfiguration, logger: Logger,
                onEvent: @escaping @Sendable (CoordinatorEvent) -> Void = { _ in }, storeRetryInterval: Duration = .seconds(5)) throws {
        let info = try registry.info()
        guard info.coordinator == key.publicKey.fingerprint else {
            throw ConfigurationError(file: config.key, key: nil,
                                     problem: "this key (\(key.publicKey.fingerprint.short)) is not the store's coordinator key (\(info.coordinator.short))")
        }
        self.registry = registry
        self.key = key
        self.config = config
        let strategy = try config.strategy.makeStrategy()
        self.strategy = strategy
        self.component = info.component
        self.machine = RoundMachine(component: info.component, config: config)
        if info.component.aggregation == .sum, !strategy.combination.isPlainMean {
            throw ConfigurationError(file: "coordinator configuration", key: "strategy.combiner",
                                     problem: "component \(info.component.id) sums sufficient statistics; combiners and clipping apply only to delta (mean) components")
        }
        self.logger = logger
        self.onEvent = onEvent
        self.storeRetryInterval = storeRetryInterval
        self.observed.auditBaseline = registry.auditAppends.value
        self.codec = MessageCodec(limits: config.frameLimits.capped(to: info.component.schema))
    }

    /// Number of authenticated sites connected now.
    public var connectedSites: [String] { sessions.keys.sorted() }

    // MARK: the round loop

    /// Runs rounds until `config.rounds` is reached or `stop()` is called. Resumes after the
    /// last committed version. Everything committed stays intact whatever happens here.
    ///
    /// Cancelling the calling task is `stop()`: the waits of the loop (quorum, updates,
    /// evaluations) are continuations that cancellation does not resume, and a cancelled
    /// task used to leave the training wait at once and retry the round below quorum in a
    /// loop that never suspended, appending audit entries without end.
    public func run() async throws {
        try await withTaskCancellationHandler {
            try await runLoop()
        } onCancel: {
            Task { await self.stop(reason: "the coordinator's task was cancelled") }
        }
    }

    func runLoop() async throws {
        guard let repaired = try await whileStoreUnavailable("reconcile the store", { try registry.reconcile(signer: key) }) else {
            sayGoodbye(code: .shuttingDown, reason: "coordinator is shutting down")
            return
        }
        reportReconcile(repaired)
        var latest = try registry.latestVersion()
        current = (latest, try registry.state(of: latest))
        machine.referenceSamples = UpdateScreening.referenceSamples(in: registry)
        var round = latest.manifest.round + 1
        onEvent(.resumed(version: latest.number, nextRound: round))
        logger.info("coordinator ready", metadata: ["version": "\(latest.number)", "next-round": "\(round)", "component": "\(component.id)",
                                                     "strategy": "\(strategy.config.name)"])
        while round <= config.rounds, !stopRequested {
            machine.waitForQuorum(round: round)
            while sessions.count < config.minSites, !stopRequested {
                onEvent(.waitingForQuorum(round: round, connected: sessions.count, needed: config.minSites))
                await suspend()
            }
            if stopRequested { break }
            if storeFault != nil {
                guard try await whileStoreUnavailable("start round \(round)", { try registry.checkWritable(bytes: roundWriteEstimate) }) != nil else { break }
                storeFault = nil
            }
            // The version rounds start from gets evaluated too (once), so every later
            // version's held-out metrics have a baseline to compare with.
            // Version 0 of a sum component is the empty statistics: there is nothing to evaluate.
            if config.evaluationDeadlineSeconds > 0, !(component.aggregation == .sum && latest.number == 0),
               try registry.evaluations(version: latest.number) == nil {
                try await evaluate(latest)
                if stopRequested { break }
            }
            guard let committed = try await runRound(round, base: latest) else { continue }
            latest = committed
            if config.evaluationDeadlineSeconds > 0, !stopRequested {
                try await evaluate(committed)
            }
            round += 1
        }
        auditSuppressedRefusals(force: true)
        flushAudit()
        if stopRequested {
            machine.stopping()
            auditNow(.coordinatorStopped, ["version": String(latest.number)])
            sayGoodbye(code: .shuttingDown, reason: "coordinator is shutting down")
        } else {
            machine.finished()
            auditNow(.federationFinished, ["version": String(latest.number), "rounds": String(config.rounds)])
            onEvent(.finished(version: latest.number))
            sayGoodbye(code: nil, reason: "finished")
        }
    }

    /// Asks the loop to stop: no new round starts, a round in progress is abandoned (its
    /// updates are not committed), and sites are told the coordinator is going away.
    public func stop(reason: String) {
        guard !stopRequested else { return }
        stopRequested = true
        onEvent(.stopping(reason: reason))
        logger.notice("stopping", metadata: ["reason": "\(reason)"])
        execute(machine.stopRequested(reason: reason))
    }

    func suspend() async {
        await withCheckedContinuation { continuation in
            waiter = continuation
        }
    }

    func wake() {
        waiter?.resume()
        waiter = nil
    }

    /// One round. Returns the committed version, or nil if the round ended below quorum
    /// (it is then retried) or was abandoned.
    func runRound(_ round: Int, base: StoredVersion) async throws -> StoredVersion? {
        let started = ContinuousClock.now
        let state = (current?.version.id == base.id) ? current!.state : try registry.state(of: base)
        // The global model is encoded and signed once per round: one frame, addressed to every selected session.
        let payload = try globalPayload(state.parameters)
        let parametersID = SafeTensors.contentID(state.parameters)
        let selected = selectSites(round: round)
        let task = TrainingTask(
            baseVersion: base.number, baseVersionID: base.id, parametersID: parametersID, component: component.id,
            training: TrainingSettings(epochs: config.training.epochs, learningRate: config.training.learningRate,
                                       batchSize: config.training.batchSize, proximalMu: strategy.proximalMu,
                                       seed: config.training.seed &+ UInt64(round)),
            deadlineSeconds: config.roundDeadlineSeconds, updateEncoding: config.updateEncoding,
            updateBlockSize: config.updateBlockSize, updateCompressionLevel: config.updateCompressionLevel)
        onEvent(.roundStarted(round: round, of: config.rounds, sites: selected))
        record(.roundStarted, ["round": String(round), "base": base.id, "sites": selected.joined(separator: ","), "parameters": parametersID])
        var roundState = RoundState(round: round, base: base, selected: Set(selected), started: started)
        roundState.task = (task, payload)
        roundState.taskSeq = broadcast(.task(task), to: selected, round: round, payload: payload)
        machine.trainingStarted(roundState)
        logger.debug("tasks queued", metadata: ["round": "\(round)", "ms": "\((ContinuousClock.now - started).seconds * 1000)"])
        let deadline = Task { [config] in
            try await Task.sleep(for: .seconds(config.roundDeadlineSeconds))
            await self.deadlineReached(round: round)
        }
        let progress = reportWaiting(deadlineSeconds: config.roundDeadlineSeconds)
        while machine.awaitsUpdates, !stopRequested, !Task.isCancelled {
            await suspend()
        }
        deadline.cancel()
        progress.cancel()
        guard case .training = phase else { return nil }
        if stopRequested || Task.isCancelled {
            // A cancelled task stops the coordinator (no-op if already stopping): the round
            // is abandoned, not closed with the updates that happen to be in.
            stop(reason: "the coordinator's task was cancelled")
            machine.stopping()
            return nil
        }
        let finished: RoundState
        switch machine.closeTraining() {
        case .abandoned:
            return nil
        case .retry(let accepted, let actions):
            execute(actions)
            logger.warning("round below quorum, retrying", metadata: ["round": "\(round)", "accepted": "\(accepted)"])
            return nil
        case .aggregate(let closed, let actions):
            execute(actions)
            finished = closed
        }
        logger.debug("round closed", metadata: ["round": "\(round)", "ms": "\((ContinuousClock.now - started).seconds * 1000)"])
        let outcome: AggregationOutcome
        do {
            outcome = try registry.aggregate(parent: base, strategy: strategy, updates: Array(finished.accepted.values),
                                             limits: codec.limits, signaturesVerified: true, parentState: state)
        } catch {
            // Screening at entry makes this unreachable for what sites send; if it happens
            // anyway, the round is not committed and is retried, and the coordinator goes on.
            execute(machine.aggregationFailed(round: round, error: "\(error)"))
            logger.error("cannot aggregate the round, retrying it", metadata: ["round": "\(round)", "error": "\(error)"])
            return nil
        }
        logger.debug("aggregated", metadata: ["round": "\(round)", "ms": "\((ContinuousClock.now - started).seconds * 1000)"])
        // A full disk or a damaged audit tail pauses here and retries; nothing is lost.
        guard let committed = try await whileStoreUnavailable("commit round \(round)", { () throws -> StoredVersion in
            if let earlier = try committedByEarlierAttempt(round: round, base: base) { return earlier }
            let parameters = try registry.putObject(SafeTensors.encode(outcome.state.parameters), durable: false)
            let optimizer = outcome.state.optimizerState.isEmpty ? nil : try registry.putObject(SafeTensors.encode(outcome.state.optimizerState), durable: false)
            flushAudit()
            let manifest = VersionManifest(
                version: base.number + 1, parent: base.number, parentID: base.id, component: component, round: round,
                strategy: strategy.config, parameters: parameters, optimizerState: optimizer, contributions: outcome.contributions,
                totalSamples: outcome.totalSamples, metrics: outcome.metrics, software: Self.software,
                createdAt: Self.timestamp(), auditHead: try registry.auditHead(), coordinator: key.publicKey.fingerprint,
                limits: codec.limits == .default ? nil : RoundLimits(codec.limits))
            return try registry.commit(manifest, signer: key)
        }) else {
            machine.stopping()
            return nil
        }
        current = (committed, outcome.state)
        machine.committed(outcome.contributions)
        let elapsed = (ContinuousClock.now - started).seconds
        onEvent(.versionCommitted(version: committed.number, round: round, sites: outcome.contributions.count,
                                  samples: outcome.totalSamples, elapsedSeconds: elapsed))
        logger.info("version committed", metadata: ["version": "\(committed.number)", "round": "\(round)", "id": "\(committed.id.prefix(16))",
                                                     "sites": "\(outcome.contributions.count)", "seconds": "\(elapsed)"])
        return committed
    }

    func deadlineReached(round: Int) {
        guard case .training(let state) = phase, state.round == round else { return }
        logger.info("round deadline reached", metadata: ["round": "\(round)", "accepted": "\(state.accepted.count)", "selected": "\(state.selected.count)"])
        execute(machine.deadlineReached(round: round))
    }

    /// Deterministic choice: ascending names, rotated by round, `sitesPerRound` of them.
    func selectSites(round: Int) -> [String] {
        let names = sessions.keys.sorted()
        guard config.sitesPerRound > 0, config.sitesPerRound < names.count else { return names }
        let offset = (round * config.sitesPerRound) % names.count
        return (0..<config.sitesPerRound).map { names[(offset + $0) % names.count] }.sorted()
    }

    // MARK: evaluation

    func evaluate(_ version: StoredVersion) async throws {
        guard let state = current?.state, current?.version.id == version.id else { return }
        let asked = sessions.keys.sorted()
        guard !asked.isEmpty else { return }
        let payload = try globalPayload(state.parameters)
        let message = Evaluate(version: version.number, versionID: version.id, parametersID: SafeTensors.contentID(state.parameters))
        var evaluation = EvaluationState(version: version, asked: Set(asked))
        evaluation.request = (message, payload)
        evaluation.frameSeq = broadcast(.evaluate(message), to: asked, round: version.manifest.round, payload: payload)
        machine.evaluationStarted(evaluation)
        let deadline = Task { [config] in
            try await Task.sleep(for: .seconds(config.evaluationDeadlineSeconds))
            await self.evaluationDeadlineReached(version: version.number)
        }
        let progress = reportWaiting(deadlineSeconds: config.evaluationDeadlineSeconds)
        while machine.awaitsEvaluations, !stopRequested {
            await suspend()
        }
        deadline.cancel()
        progress.cancel()
        guard let finished = machine.closeEvaluation() else { return }
        let record = EvaluationRecord(version: version.number, versionID: version.id,
                                      evaluations: finished.results.values.sorted { $0.site < $1.site },
                                      createdAt: Self.timestamp(), coordinator: key.publicKey.fingerprint)
        flushAudit()
        guard try await whileStoreUnavailable("record the evaluations of version \(version.number)", { try registry.recordEvaluations(record, signer: key) }) != nil else { return }
        onEvent(.evaluationsRecorded(version: version.number, sites: record.evaluations.count, meanLoss: record.weightedMean("loss")))
    }

    /// The global parameters as sent in `task` and `evaluate` frames: lossless, so that the
    /// decoded tensors hash to the `parametersID` the frame declares (binary64 statistics of
    /// a sum component sent as f32 did not, and every site refused them).
    func globalPayload(_ parameters: [Tensor]) throws -> TensorPayload {
        let encoding: TensorEncoding = parameters.allSatisfy { $0.dtype == .f64 } && !parameters.isEmpty ? .f64 : .f32
        return try TensorPayload.encode(parameters, options: PayloadOptions(encoding: encoding, compressionLevel: config.taskCompressionLevel.map(Int32.init)))
    }

    /// Every 10 s while a round or an evaluation waits on sites, says at the default level
    /// whom it waits for and how long is left, so a slow phase never looks frozen.
    func reportWaiting(deadlineSeconds: Double, every interval: Double = 10) -> Task<Void, Never> {
        let started = ContinuousClock.now
        return Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                guard !Task.isCancelled, let self else { return }
                await self.logWaiting(secondsLeft: deadlineSeconds - (ContinuousClock.now - started).seconds)
            }
        }
    }

    func logWaiting(secondsLeft: Double) {
        let left = "\(Int(max(0, secondsLeft).rounded())) s left"
        switch phase {
        case .training(let s) where !s.isComplete:
            logger.notice("round \(s.round) training: waiting for \(s.awaited.joined(separator: ", ")) (\(left))")
        case .evaluating(let s) where !s.isComplete:
            logger.notice("round \(s.version.manifest.round) evaluating version \(s.version.number): waiting for \(s.awaited.joined(separator: ", ")) (\(left))")
        default:
            break
        }
    }

    func evaluationDeadlineReached(version: Int) {
        execute(machine.evaluationDeadlineReached(version: version))
    }

    // MARK: sending

    /// Frames and queues a message to a connected site (in `seq` order).
    func send(_ message: Message, to name: String, round: Int, payload: TensorPayload? = nil) {
        guard var session = sessions[name] else { return }
        let envelope = Envelope(sender: key.publicKey.fingerprint, session: session.id, challenge: session.challenge,
                                round: UInt64(round), seq: session.nextOutboundSeq)
        do {
            let frame = try codec.encode(message, envelope: envelope, payload: payload, signer: key)
            session.nextOutboundSeq += 1
            sessions[name] = session
            session.outbound.yield(frame)
            observed.bytesOut += frame.count
        } catch {
            logger.error("cannot encode frame", metadata: ["site": "\(name)", "type": "\(message.type)", "error": "\(error)"])
        }
    }

    /// Frames `message` once, addressed to each named session with that session's next
    /// `seq` (`Envelope.recipients`), and queues the same bytes to all of them: one
    /// encoding, one SHA-256 and one signature per round however many sites take part.
    /// Returns the seq the frame has in each session it was queued to.
    @discardableResult
    func broadcast(_ message: Message, to names: [String], round: Int, payload: TensorPayload?) -> [String: UInt64] {
        let targets = names.compactMap { sessions[$0] }
        guard !targets.isEmpty else { return [:] }
        let envelope = Envelope(sender: key.publicKey.fingerprint, round: UInt64(round),
                                recipients: targets.map { Envelope.Recipient(session: $0.id, seq: $0.nextOutboundSeq) })
        let frame: [UInt8]
        do {
            frame = try codec.encode(message, envelope: envelope, payload: payload, signer: key)
        } catch {
            logger.error("cannot encode frame", metadata: ["sites": "\(names.joined(separator: ","))", "type": "\(message.type)", "error": "\(error)"])
            return [:]
        }
        var seqs: [String: UInt64] = [:]
        for var session in targets {
            seqs[session.name] = session.nextOutboundSeq
            session.nextOutboundSeq += 1
            sessions[session.name] = session
            session.outbound.yield(frame)
            observed.bytesOut += frame.count
        }
        return seqs
    }

    func sayGoodbye(code: ReasonCode?, reason: String) {
        for name in sessions.keys.sorted() {
            send(.bye(Bye(reason: reason)), to: name, round: 0)
            sessions[name]?.outbound.finish()
        }
    }

    // MARK: audit

    func record(_ event: AuditEvent, _ data: [String: String]) {
        auditBuffer.append((event, data))
    }

    /// Appends one event at once (the loop's last words); a store that cannot take it is
    /// logged, not thrown: the federation's versions are already committed.
    func auditNow(_ event: AuditEvent, _ data: [String: String]) {
        do {
            try registry.audit(event, data, signer: key)
        } catch {
            logger.error("cannot write audit entry", metadata: ["event": "\(event.rawValue)", "error": "\(error)"])
        }
    }

    /// Writes buffered audit events (durable at the next commit's barrier, or now if `durable`).
    func flushAudit(durable: Bool = false) {
        guard !auditBuffer.isEmpty else { return }
        do {
            try registry.audit(batch: auditBuffer, signer: key, durable: durable)
            auditBuffer.removeAll()
        } catch {
            logger.error("cannot write audit log", metadata: ["error": "\(error)"])
            noteStoreFault(error)
        }
    }

    static func timestamp() -> String {
        Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
