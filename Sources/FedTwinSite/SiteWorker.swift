import FedTwinTransport
import FedTwinWire
import Foundation
import Logging
import TwinKit

/// A site worker: connects out to the coordinator (never listens), trains the component
/// on local batches when given a task, uploads a signed delta, evaluates versions on its
/// held-out batches. Batch records stay in this process: only `Message` values go out.
public struct SiteWorker: Sendable {
    public static let software = FedTwinVersion.software

    let config: SiteConfiguration
    let key: SigningKey
    let component: any TwinComponent
    let dataset: SiteDataset?
    let logger: Logger
    let log: SentLog
    let codec = MessageCodec()
    /// Where training and evaluation run: a serial queue of its own, off the cooperative
    /// pool (heartbeats keep flowing) and without starting a thread per round.
    let modelQueue = DispatchQueue(label: "fedtwin.site.model")
    let tls: TLSContext?
    /// Experiments only: the attack applied to every delta before it is signed (nil = honest).
    public let adversary: SiteAdversary?
    /// Hears each epoch of a local training and its end (nil = nobody). Called on the
    /// worker's model queue: it must be quick and must not block.
    public var onTrainingActivity: (@Sendable (SiteTrainingActivity) -> Void)?

    public init(config: SiteConfiguration, logger: Logger) throws {
        self.config = config
        self.adversary = try config.parsedAdversary()
        self.key = try KeyFile.readPrivateKey(at: config.key)
        if config.insecure {
            self.tls = nil
        } else {
            let certificate: Certificate
            do {
                certificate = try KeyFile.readCertificate(at: config.certificatePath)
            } catch {
                throw SiteError(.configuration(file: config.certificatePath, key: "certificate",
                                               problem: "cannot load the TLS certificate: \(error) (pass --cert, or --insecure for plain TCP)"))
            }
            let pinned = config.coordinatorFingerprint
            // The TLS layer refuses any coordinator whose key is not the pinned one, before a
            // single frame is exchanged; the welcome is checked against the same pin.
            self.tls = try TLSContext(role: .client, certificate: certificate, key: key,
                                      acceptPeer: { $0.fingerprint.matches(pinned) })
        }
        self.component = try ComponentCatalog.component(config.componentArgument, specFile: config.componentSpec, parameters: config.params)
        self.logger = logger
        self.log = try SentLog(path: config.logPath, site: config.name)
        if let adversary {
            guard component.aggregation == .weightedMean else {
                throw SiteError(.configuration(file: "command line", key: "adversary",
                                               problem: "component \(component.id) sends sufficient statistics, not deltas; the adversary mode attacks deltas only"))
            }
            // Said in the library too, not only by the CLI: whoever embeds the worker sees it,
            // and the site's own record of what it sent shows that it lied.
            logger.warning("ADVERSARY MODE: this site sends malicious updates (experiments only)",
                           metadata: ["attack": "\(adversary)", "effect": "\(adversary.summary)"])
            try log.append(["event": "adversary", "attack": adversary.description, "effect": adversary.summary])
        }
        if let data = config.data {
            let dataset = try SiteDataset.load(configURL: URL(fileURLWithPath: data))
            self.dataset = dataset
            for warning in dataset.warnings { logger.warning("data: \(warning)", metadata: ["data": "\(data)"]) }
            let trainingIDs = dataset.training.map(\.batchID)
            let heldOutIDs = dataset.heldOut.map(\.batchID)
            try log.append(["event": "data-loaded", "data": data, "training-batches": String(trainingIDs.count),
                        "held-out-batches": String(heldOutIDs.count), "split-seed": String(dataset.config.splitSeed),
                        "training-hash": String(BatchSplit.fingerprint(trainingIDs), radix: 16),
                        "held-out-hash": String(BatchSplit.fingerprint(heldOutIDs), radix: 16)])
            try log.sync()
        } else {
            self.dataset = nil
        }
    }

    /// How a session ended.
    enum SessionEnd {
        case finished
        /// The session ran (after a welcome) and ended without the federation finishing.
        case disconnected(String)
        /// No session: the coordinator closed or refused before its welcome, for a reason
        /// that retrying may cure (shutting down, a duplicate session still open).
        case turnedAway(String)
    }

    /// Connects, serves sessions, and reconnects with exponential backoff and jitter until
    /// the coordinator says the federation is finished (or the task is cancelled).
    ///
    /// Transient faults (coordinator not up yet, connection lost, turned away while it
    /// shuts down) are retried, and each change of state is logged once at the default
    /// level. Faults retrying cannot fix stop the worker with a `SiteError`: a coordinator
    /// whose key is not the pinned one, a refusal of this site's key or component.
    public func run() async throws {
        var backoff = config.initialBackoffSeconds
        var state = ConnectionState.starting
        var hadSession = false
        while !Task.isCancelled {
            let next: ConnectionState
            do {
                let connection = try await FrameClient.connect(
                    host: config.coordinatorHost, port: config.coordinatorPort,
                    configuration: TransportConfiguration(readTimeout: .seconds(config.readTimeoutSeconds), connectTimeout: .seconds(5), tls: tls),
                    logger: logger)
                let end = try await serve(connection, reconnecting: hadSession)
                await connection.close()
                switch end {
                case .finished:
                    if config.exitWhenFinished {
                        logger.notice("federation finished; exiting")
                        return
                    }
                    logger.notice("federation finished; staying (--stay): reconnecting for the next one")
                    next = .connected
                    backoff = config.initialBackoffSeconds
                    hadSession = true
                case .disconnected(let why):
                    // A session ran: the link works, so the next attempt starts from the first
                    // wait, and this disconnect is news even if the last one had the same cause.
                    state = .connected
                    next = .disconnected(why)
                    backoff = config.initialBackoffSeconds
                    hadSession = true
                case .turnedAway(let why):
                    next = .turnedAway(why)
                }
            } catch let error as SiteError {
                throw error
            } catch let error as SentLogError {
                // Without its record of what left it the site stops rather than send on.
                throw error
            } catch is CancellationError {
                return
            } catch {
                if let mismatch = pinMismatch(error) { throw mismatch }
                next = .unreachable("\(error)")
            }
            let wait = backoff * Double.random(in: 0.5...1.5)
            state = report(next, previous: state, retryIn: wait)
            do {
                try await Task.sleep(for: .seconds(wait))
            } catch {
                return
            }
            backoff = min(backoff * 2, config.maxBackoffSeconds)
        }
    }

    /// One session: hello, welcome, then tasks until bye or disconnect.
    func serve(_ connection: any FrameConnection, reconnecting: Bool = false) async throws -> SessionEnd {
        let helloEnvelope = Envelope(sender: key.publicKey.fingerprint)
        let hello = try codec.encode(.hello(Hello(site: config.name, software: Self.software)), envelope: helloEnvelope, signer: key)
        try log.sent(.hello, frame: hello, envelope: helloEnvelope)
        try await connection.send(hello)
        try log.sync()
        var frames = connection.inbound.makeAsyncIterator()
        guard let first = try await frames.next() else { return .turnedAway("connection closed before its welcome") }
        let sealed = try codec.parse(first)
        if let reject = sealed.claimedReject() {
            switch reject.code {
            case .shuttingDown, .duplicateSession, .rateLimited, .timeout, .internalError:
                return .turnedAway("\(reject.code): \(reject.reason)")
            default:
                throw SiteError(.refused(code: reject.code.rawValue, reason: reject.reason))
            }
        }
        let coordinatorKey = try sealed.claimedCoordinatorKey()
        guard coordinatorKey.fingerprint.matches(config.coordinatorFingerprint) else {
            throw SiteError(.coordinatorKeyMismatch(pinned: config.coordinatorFingerprint, presented: coordinatorKey.fingerprint.hex))
        }
        let welcomeMessage = try sealed.open(with: coordinatorKey)
        guard case .welcome(let welcome) = welcomeMessage.message, welcomeMessage.envelope.seq == 0, !welcomeMessage.envelope.session.isEmpty else {
            throw SiteError(.protocolViolation("expected a welcome with seq 0 and a session"))
        }
        guard welcome.component == component.id else {
            throw SiteError(.refused(code: "component-mismatch", reason: "coordinator trains \(welcome.component), this site is configured for \(component.id)"))
        }
        if let theirs = welcome.componentSpecHash, let ours = Self.specHash(of: component), theirs != ours {
            throw SiteError(.refused(code: "component-mismatch", reason: "coordinator's store was created with component spec sha256 \(theirs.prefix(16))…, this site loaded \(ours.prefix(16))…: give the site the same spec file as the store (a spec with the consortium scaling from `fedtwin twin scale` is another file)"))
        }
        let session = welcomeMessage.envelope.session
        let challenge = welcomeMessage.envelope.challenge
        logger.notice("\(reconnecting ? "reconnected" : "connected") to coordinator \(connection.peer) (key \(coordinatorKey.fingerprint.short), \(welcome.software)): component \(welcome.component), model at version \(welcome.currentVersion)",
                      metadata: ["session": "\(session)"])

        let (outbound, continuation) = AsyncStream<[UInt8]>.makeStream()
        let link = SiteLink(key: key, codec: codec, session: session, challenge: challenge, outbound: continuation, log: log)
        do {
            return try await runSession(frames: &frames, connection: connection, coordinatorKey: coordinatorKey, welcome: welcome,
                                        link: link, outbound: outbound, continuation: continuation)
        } catch let error as TransportError {
            return .disconnected("connection lost: \(error)")
        }
    }

    /// The welcomed session: tasks, evaluations and heartbeats until bye or disconnect.
    private func runSession(frames: inout AsyncThrowingStream<[UInt8], any Error>.AsyncIterator, connection: any FrameConnection,
                            coordinatorKey: PublicKey, welcome: Welcome, link: SiteLink,
                            outbound: AsyncStream<[UInt8]>, continuation: AsyncStream<[UInt8]>.Continuation) async throws -> SessionEnd {
        let session = link.session
        let challenge = link.challenge
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await frame in outbound { try await connection.send(frame) }
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(welcome.heartbeatSeconds))
                    try await link.heartbeat()
                }
            }
            defer {
                continuation.finish()
                group.cancelAll()
            }
            var expectedSeq: UInt64 = 1
            while let bytes = try await frames.next() {
                let received = try codec.parse(bytes).open(with: coordinatorKey)
                let envelope = received.envelope
                // A round's task and evaluate frames are addressed to every selected session
                // at once (`recipients`); the seq that counts is the one given for ours.
                guard let seq = envelope.seq(inSession: session, challenge: challenge) else {
                    logger.warning("refused a \(received.message.type) frame from the coordinator: wrong-session: not addressed to this session")
                    try await link.send(.reject(Reject(code: .wrongSession, reason: "frame is not addressed to this session", refSeq: envelope.seq)), round: envelope.round)
                    continue
                }
                guard seq == expectedSeq else {
                    logger.warning("refused a \(received.message.type) frame from the coordinator: replay: seq \(seq), expected \(expectedSeq)")
                    try await link.send(.reject(Reject(code: .replay, reason: "seq \(seq), expected \(expectedSeq)", refSeq: seq)), round: envelope.round)
                    continue
                }
                expectedSeq += 1
                switch received.message {
                case .task(let task):
                    try await handleTask(task, received: received, seq: seq, link: link)
                case .evaluate(let evaluate):
                    try await handleEvaluate(evaluate, received: received, seq: seq, link: link)
                case .ack, .heartbeat:
                    break
                case .reject(let reject):
                    logger.warning("coordinator refused a frame from this site: \(reject.code): \(reject.reason)",
                                   metadata: ["ref-seq": "\(reject.refSeq.map(String.init) ?? "-")"])
                case .bye(let bye):
                    return bye.reason == "finished" ? .finished : .disconnected("bye: \(bye.reason)")
                default:
                    try await link.send(.reject(Reject(code: .unexpectedMessage, reason: "\(received.message.type) is not sent to sites", refSeq: envelope.seq)), round: envelope.round)
                }
            }
            return .disconnected("the coordinator closed the connection")
        }
    }

    func handleTask(_ task: TrainingTask, received: ReceivedMessage, seq: UInt64, link: SiteLink) async throws {
        let round = received.envelope.round
        guard SafeTensors.contentID(received.tensors) == task.parametersID else {
            logger.warning("refused the coordinator's task for round \(round): content-mismatch: its parameters do not hash to parametersID")
            try await link.send(.reject(Reject(code: .contentMismatch, reason: "task parameters do not hash to parametersID", refSeq: seq)), round: round)
            return
        }
        guard let encoding = TensorEncoding(rawValue: task.updateEncoding) else {
            logger.warning("refused the coordinator's task for round \(round): unknown update encoding \(task.updateEncoding)")
            try await link.send(.reject(Reject(code: .malformedFrame, reason: "unknown update encoding \(task.updateEncoding)", refSeq: seq)), round: round)
            return
        }
        let dtype = received.tensors.first?.dtype ?? .f32
        let base: ParameterSet
        do {
            base = try ParameterSet(wire: received.tensors, schema: component.schema)
        } catch {
            try await declineTask(round: round, seq: seq, link: link, error)
            return
        }
        let settings = TrainingConfig(epochs: task.training.epochs, batchSize: task.training.batchSize, learningRate: task.training.learningRate,
                                      seed: task.training.seed, proximalMu: task.training.proximalMu)
        await link.setState("training")
        let started = ContinuousClock.now
        let activity = onTrainingActivity
        // Trainers report each epoch to the task-local reporter, bound around this training only.
        var reporter: (@Sendable (TrainingProgress) -> Void)?
        if let activity {
            reporter = { progress in activity(.epoch(round: round, progress)) }
        }
        let result: TrainingResult
        do {
            result = try await offload { [component, dataset, reporter] in
                defer { activity?(.ended(round: round)) }
                return try TrainingProgress.withReporter(reporter) {
                    try component.train(from: base, on: dataset?.training ?? [], config: settings)
                }
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            await link.setState("idle")
            try await declineTask(round: round, seq: seq, link: link, error)
            return
        }
        await link.setState("idle")
        var metrics = reportable(result.metrics)
        metrics["train_seconds"] = (ContinuousClock.now - started).seconds
        let tensors: [Tensor]
        let options: PayloadOptions
        if component.aggregation == .sum {
            // Sufficient statistics are summed exactly: sent whole and lossless, not as a delta.
            tensors = result.parameters.wireTensors(dtype: dtype)
            options = PayloadOptions(encoding: dtype == .f64 ? .f64 : .f32, compressionLevel: task.updateCompressionLevel.map(Int32.init))
        } else {
            let honest = try result.parameters.delta(from: base, dtype: dtype)
            if let adversary {
                tensors = adversary.apply(to: honest, round: round, seed: FNV1a64.hash(config.name))
                logger.warning("ADVERSARY: sending a tampered update", metadata: [
                    "round": "\(round)", "attack": "\(adversary)",
                    "honest-norm": "\(Tensor.l2Norm(honest))", "sent-norm": "\(Tensor.l2Norm(tensors))"])
            } else {
                tensors = honest
            }
            options = PayloadOptions(encoding: encoding, blockSize: task.updateBlockSize,
                                     compressionLevel: task.updateCompressionLevel.map(Int32.init), delta: task.baseVersionID)
        }
        try await link.send(.update(Update(baseVersionID: task.baseVersionID, samples: result.samples, metrics: metrics)),
                            round: round, tensors: tensors, options: options)
        logger.notice("round \(round): trained on \(result.samples) samples in \(Self.format(metrics["train_seconds"] ?? 0)) s; update sent",
                      metadata: ["delta-norm": "\(Tensor.l2Norm(tensors))"])
    }

    /// A task this site cannot train (parameters that do not fit its component, a training
    /// that fails on its data) is answered with a reject, as an evaluation it cannot do is:
    /// the coordinator stops waiting for it and audits why, and the session stays. Before,
    /// the error ended the session, the site reconnected, got the same task and failed again
    /// until the round's deadline, logging only "coordinator unreachable".
    func declineTask(round: UInt64, seq: UInt64, link: SiteLink, _ error: any Error) async throws {
        logger.warning("declined the task for round \(round) (internal-error): \(error)")
        try await link.send(.reject(Reject(code: .internalError, reason: "cannot train round \(round): \(error)", refSeq: seq)), round: round)
    }

    func handleEvaluate(_ evaluate: Evaluate, received: ReceivedMessage, seq: UInt64, link: SiteLink) async throws {
        let round = received.envelope.round
        guard SafeTensors.contentID(received.tensors) == evaluate.parametersID else {
            logger.warning("refused the coordinator's evaluate for round \(round): content-mismatch: its parameters do not hash to parametersID")
            try await link.send(.reject(Reject(code: .contentMismatch, reason: "evaluate parameters do not hash to parametersID", refSeq: seq)), round: round)
            return
        }
        let parameters = try ParameterSet(wire: received.tensors, schema: component.schema)
        await link.setState("evaluating")
        let metrics: [String: Double]
        let failure: (any Error)?
        do {
            metrics = try await offload { [component, dataset] in
                try component.evaluate(parameters, on: dataset?.heldOut ?? [])
            }
            failure = nil
        } catch {
            (metrics, failure) = ([:], error)
        }
        await link.setState("idle")
        if let failure {
            // A version this site cannot evaluate (e.g. a monitor of fewer than 3 batches) is
            // answered, not a reason to drop the session: the coordinator stops waiting for it.
            logger.warning("declined to evaluate version \(evaluate.version) (internal-error): \(failure)")
            try await link.send(.reject(Reject(code: .internalError, reason: "cannot evaluate version \(evaluate.version): \(failure)", refSeq: seq)), round: round)
            return
        }
        var reported = reportable(metrics)
        if reported["loss"] == nil, let primary = ComponentCatalog.primaryMetric(for: component), let value = reported[primary] {
            reported["loss"] = value
        }
        let samples = dataset?.heldOut.count ?? 0
        try await link.send(.evaluation(Evaluation(versionID: evaluate.versionID, samples: samples, metrics: reported)), round: round)
        let loss = reported["loss"].map { ", loss \($0.formatted(.number.precision(.significantDigits(4))))" } ?? ""
        logger.notice("version \(evaluate.version): evaluated on \(samples) held-out batches\(loss); sent")
    }

    /// Runs CPU-bound model code on `modelQueue`, off the cooperative pool, so heartbeats
    /// keep flowing while a site trains for minutes.
    func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            modelQueue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
