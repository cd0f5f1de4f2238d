import FedTwinTransport
import FedTwinWire
import Foundation
import Logging
import TwinKit

/// A site worker: connects out to the coordinator (never listens), trains the component
/// on local batches when given a task, uploads a signed delta, evaluates versions on its
/// held-out batches. Batch records stay in this process: only `Message` values go out.
public struct SiteWorker: Sendable {
    public static let software = "fedtwin 0.1.0"

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

    public init(config: SiteConfiguration, logger: Logger) throws {
        self.config = config
        self.adversary = try config.parsedAdversary()
        self.key = try KeyFile.readPrivateKey(at: config.key)
        if config.insecure {
            self.tls = nil
        } else {
            let certificate: Certificate
            do {
                certificate = try Certificate(pemRepresentation: String(contentsOfFile: config.certificatePath, encoding: .utf8))
            } catch {
                throw SiteError(.configuration(file: config.certificatePath, key: "certificate",
                                               problem: "cannot load the TLS certificate: \(error) (written by `fedtwin keygen`)"))
            }
            let pinned = config.coordinatorFingerprint
            // The TLS layer refuses any coordinator whose key is not the pinned one, before a
            // single frame is exchanged; the welcome is checked against the same pin.
            self.tls = try TLSContext(role: .client, certificate: certificate, key: key,
                                      acceptPeer: { $0.fingerprint.matches(pinned) })
        }
        self.component = try ComponentCatalog.component(config.component)
        self.logger = logger
        self.log = try SentLog(path: config.log)
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
        case disconnected(String)
    }

    /// Connects, serves sessions, and reconnects with exponential backoff and jitter until
    /// the coordinator says the federation is finished (or the task is cancelled).
    public func run() async throws {
        var backoff = config.initialBackoffSeconds
        while !Task.isCancelled {
            do {
                let connection = try await FrameClient.connect(
                    host: config.coordinatorHost, port: config.coordinatorPort,
                    configuration: TransportConfiguration(readTimeout: .seconds(config.readTimeoutSeconds), connectTimeout: .seconds(5), tls: tls),
                    logger: logger)
                backoff = config.initialBackoffSeconds
                let end = try await serve(connection)
                await connection.close()
                switch end {
                case .finished:
                    logger.info("federation finished")
                    if config.exitWhenFinished { return }
                case .disconnected(let why):
                    logger.info("disconnected", metadata: ["reason": "\(why)"])
                }
            } catch let error as SiteError {
                throw error
            } catch let error as SentLogError {
                // Without its record of what left it the site stops rather than send on.
                throw error
            } catch is CancellationError {
                return
            } catch {
                logger.info("coordinator unreachable", metadata: ["error": "\(error)", "retry-in": "\(backoff)"])
            }
            let wait = backoff * Double.random(in: 0.5...1.5)
            try await Task.sleep(for: .seconds(wait))
            backoff = min(backoff * 2, config.maxBackoffSeconds)
        }
    }

    /// One session: hello, welcome, then tasks until bye or disconnect.
    func serve(_ connection: any FrameConnection) async throws -> SessionEnd {
        let helloEnvelope = Envelope(sender: key.publicKey.fingerprint)
        let hello = try codec.encode(.hello(Hello(site: config.name, software: Self.software)), envelope: helloEnvelope, signer: key)
        try log.sent(.hello, frame: hello, envelope: helloEnvelope)
        try await connection.send(hello)
        try log.sync()
        var frames = connection.inbound.makeAsyncIterator()
        guard let first = try await frames.next() else { return .disconnected("closed before welcome") }
        let sealed = try codec.parse(first)
        if let reject = sealed.claimedReject() {
            switch reject.code {
            case .shuttingDown, .duplicateSession, .rateLimited, .timeout, .internalError:
                return .disconnected("refused: \(reject.code): \(reject.reason)")
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
        let session = welcomeMessage.envelope.session
        let challenge = welcomeMessage.envelope.challenge
        logger.info("joined", metadata: ["session": "\(session)", "version": "\(welcome.currentVersion)", "coordinator": "\(coordinatorKey.fingerprint.short)"])

        let (outbound, continuation) = AsyncStream<[UInt8]>.makeStream()
        let link = SiteLink(key: key, codec: codec, session: session, challenge: challenge, outbound: continuation, log: log)
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
                    try await link.send(.reject(Reject(code: .wrongSession, reason: "frame is not addressed to this session", refSeq: envelope.seq)), round: envelope.round)
                    continue
                }
                guard seq == expectedSeq else {
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
                    logger.warning("coordinator refused a frame", metadata: ["code": "\(reject.code)", "reason": "\(reject.reason)"])
                case .bye(let bye):
                    return bye.reason == "finished" ? .finished : .disconnected("bye: \(bye.reason)")
                default:
                    try await link.send(.reject(Reject(code: .unexpectedMessage, reason: "\(received.message.type) is not sent to sites", refSeq: envelope.seq)), round: envelope.round)
                }
            }
            return .disconnected("connection closed")
        }
    }

    func handleTask(_ task: TrainingTask, received: ReceivedMessage, seq: UInt64, link: SiteLink) async throws {
        let round = received.envelope.round
        guard SafeTensors.contentID(received.tensors) == task.parametersID else {
            try await link.send(.reject(Reject(code: .contentMismatch, reason: "task parameters do not hash to parametersID", refSeq: seq)), round: round)
            return
        }
        guard let encoding = TensorEncoding(rawValue: task.updateEncoding) else {
            try await link.send(.reject(Reject(code: .malformedFrame, reason: "unknown update encoding \(task.updateEncoding)", refSeq: seq)), round: round)
            return
        }
        let dtype = received.tensors.first?.dtype ?? .f32
        let base = try ParameterSet(wire: received.tensors, schema: component.schema)
        let settings = TrainingConfig(epochs: task.training.epochs, batchSize: task.training.batchSize, learningRate: task.training.learningRate,
                                      seed: task.training.seed, proximalMu: task.training.proximalMu)
        await link.setState("training")
        let started = ContinuousClock.now
        let result = try await offload { [component, dataset] in
            try component.train(from: base, on: dataset?.training ?? [], config: settings)
        }
        await link.setState("idle")
        var metrics = result.metrics.filter { $0.value.isFinite }
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
        logger.info("update sent", metadata: ["round": "\(round)", "samples": "\(result.samples)", "delta-norm": "\(Tensor.l2Norm(tensors))"])
    }

    func handleEvaluate(_ evaluate: Evaluate, received: ReceivedMessage, seq: UInt64, link: SiteLink) async throws {
        let round = received.envelope.round
        guard SafeTensors.contentID(received.tensors) == evaluate.parametersID else {
            try await link.send(.reject(Reject(code: .contentMismatch, reason: "evaluate parameters do not hash to parametersID", refSeq: seq)), round: round)
            return
        }
        let parameters = try ParameterSet(wire: received.tensors, schema: component.schema)
        await link.setState("evaluating")
        let metrics = try await offload { [component, dataset] in
            try component.evaluate(parameters, on: dataset?.heldOut ?? [])
        }
        await link.setState("idle")
        var reported = metrics.filter { $0.value.isFinite }
        if reported["loss"] == nil, let primary = ComponentCatalog.primaryMetric(for: component), let value = reported[primary] {
            reported["loss"] = value
        }
        try await link.send(.evaluation(Evaluation(versionID: evaluate.versionID, samples: dataset?.heldOut.count ?? 0,
                                                   metrics: reported)), round: round)
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
