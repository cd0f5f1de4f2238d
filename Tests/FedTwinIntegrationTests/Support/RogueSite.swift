import FedTwinTransport
import FedTwinWire
import Foundation
import Logging

/// A site written in the test with the real transport and codec, with an enrolled key,
/// that can misbehave on purpose: replay a frame, withhold an update past the round,
/// drop its connection mid-round.
///
/// It speaks the protocol correctly otherwise: signs every frame, numbers them, sends
/// heartbeats (so the coordinator's read timeout does not drop it) and answers `evaluate`
/// with an empty evaluation. Frames leave through one queue in `seq` order.
actor RogueSite {
    let name: String
    let key: SigningKey
    let pinnedFingerprint: String
    let codec = MessageCodec()
    let connection: any FrameConnection
    let outbound: AsyncStream<[UInt8]>.Continuation

    private(set) var coordinatorKey: PublicKey?
    private(set) var session = ""
    private(set) var challenge = ""
    /// `seq` of the next frame `send` signs (hostile tests set it to skip or reuse one).
    var nextSeq: UInt64 = 1
    /// Every verified frame from the coordinator, in order.
    private(set) var received: [ReceivedMessage] = []
    /// A reject read (unverified) before any welcome.
    private(set) var helloRefusal: Reject?
    private(set) var problems: [String] = []
    private(set) var closedByPeer = false
    var answerEvaluations = true
    private var background: [Task<Void, Never>] = []
    private var heartbeats: Task<Void, Never>?

    private init(name: String, key: SigningKey, pinnedFingerprint: String, connection: any FrameConnection,
                 outbound: AsyncStream<[UInt8]>.Continuation) {
        self.name = name
        self.key = key
        self.pinnedFingerprint = pinnedFingerprint
        self.connection = connection
        self.outbound = outbound
    }

    /// Connects, sends hello (seq 0), and waits for a verified welcome.
    static func join(name: String, keyPath: String, port: Int, fingerprint: String, timeout: Double = 10) async throws -> RogueSite {
        let key = try KeyFile.readPrivateKey(at: keyPath)
        let logger = Logger(label: "rogue-\(name)", factory: { _ in SwiftLogNoOpLogHandler() })
        // Like a real site: TLS 1.3 with the certificate `fedtwin keygen` wrote beside the key,
        // and the coordinator's key pinned.
        let certificatePath = (keyPath as NSString).deletingPathExtension + ".crt"
        let certificate = try Certificate(pemRepresentation: String(contentsOfFile: certificatePath, encoding: .utf8))
        let tls = try TLSContext(role: .client, certificate: certificate, key: key, acceptPeer: { $0.fingerprint.matches(fingerprint) })
        let connection = try await FrameClient.connect(
            host: "127.0.0.1", port: port,
            configuration: TransportConfiguration(readTimeout: .seconds(10), connectTimeout: .seconds(5), tls: tls), logger: logger)
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        let rogue = RogueSite(name: name, key: key, pinnedFingerprint: fingerprint, connection: connection, outbound: continuation)
        await rogue.start(stream)
        let hello = try rogue.codec.encode(.hello(Hello(site: name, software: "rogue-test")),
                                           envelope: Envelope(sender: key.publicKey.fingerprint), signer: key)
        continuation.yield(hello)
        try await eventuallyAsync("a welcome for \(name)", timeout: timeout) {
            if let refusal = await rogue.helloRefusal { throw IntegrationError("hello refused: \(refusal.code): \(refusal.reason)") }
            return await !rogue.session.isEmpty
        }
        await rogue.startHeartbeats()
        return rogue
    }

    private func start(_ stream: AsyncStream<[UInt8]>) {
        let connection = self.connection
        background.append(Task {
            for await frame in stream {
                do { try await connection.send(frame) } catch { break }
            }
        })
        background.append(Task { [weak self] in
            do {
                for try await bytes in connection.inbound {
                    await self?.handle(bytes)
                }
            } catch {
                await self?.note("inbound ended: \(error)")
            }
            await self?.markClosed()
        })
    }

    /// Stops the heartbeats (a slowloris test then stalls the connection on purpose).
    func stopHeartbeats() { heartbeats?.cancel() }

    private func startHeartbeats() {
        heartbeats = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(400))
                guard let self, !Task.isCancelled else { return }
                _ = try? await self.send(.heartbeat(Heartbeat(state: "idle")), round: 0)
            }
        }
        background.append(heartbeats!)
    }

    private func note(_ problem: String) { problems.append(problem) }
    private func markClosed() { closedByPeer = true }

    private func handle(_ bytes: [UInt8]) async {
        do {
            let sealed = try codec.parse(bytes)
            guard let coordinatorKey else {
                if let reject = sealed.claimedReject() {
                    helloRefusal = reject
                    return
                }
                // Pin first, then verify with the key the welcome presents.
                let claimed = try sealed.claimedCoordinatorKey()
                guard claimed.fingerprint.matches(pinnedFingerprint) else {
                    note("welcome from an unpinned key \(claimed.fingerprint.short)")
                    return
                }
                let welcome = try sealed.open(with: claimed)
                guard case .welcome = welcome.message, welcome.envelope.seq == 0, !welcome.envelope.session.isEmpty else {
                    note("first frame is not a welcome with seq 0")
                    return
                }
                self.coordinatorKey = claimed
                session = welcome.envelope.session
                challenge = welcome.envelope.challenge
                received.append(welcome)
                return
            }
            let message = try sealed.open(with: coordinatorKey)
            received.append(message)
            if case .evaluate(let evaluate) = message.message, answerEvaluations {
                _ = try send(.evaluation(Evaluation(versionID: evaluate.versionID, samples: 0, metrics: [:])), round: message.envelope.round)
            }
        } catch {
            note("cannot read a frame: \(error)")
        }
    }

    /// Signs and queues a message with the next `seq`; returns the exact frame bytes.
    @discardableResult
    func send(_ message: Message, round: UInt64, tensors: [Tensor]? = nil, options: PayloadOptions = PayloadOptions()) throws -> [UInt8] {
        let envelope = Envelope(sender: key.publicKey.fingerprint, session: session, challenge: challenge, round: round, seq: nextSeq)
        let frame: [UInt8]
        if let tensors {
            frame = try codec.encode(message, envelope: envelope, tensors: tensors, options: options, signer: key)
        } else {
            frame = try codec.encode(message, envelope: envelope, signer: key)
        }
        nextSeq += 1
        outbound.yield(frame)
        return frame
    }

    /// Queues bytes as they are (a replay).
    func sendRaw(_ frame: [UInt8]) { outbound.yield(frame) }

    /// A proper update for `task`: zero deltas with the task's tensor names, shapes and
    /// dtypes, q8-encoded as a delta from its base version, for the task's round (or `round`).
    @discardableResult
    func sendZeroUpdate(for task: ReceivedMessage, round: UInt64? = nil, samples: Int = 5) throws -> [UInt8] {
        guard case .task(let t) = task.message else { throw IntegrationError("not a task: \(task.message.type)") }
        let zeros = task.tensors.map { tensor -> Tensor in
            switch tensor.values {
            case .f32(let v): return Tensor(name: tensor.name, shape: tensor.shape, floats: [Float](repeating: 0, count: v.count))
            case .f64(let v): return Tensor(name: tensor.name, shape: tensor.shape, doubles: [Double](repeating: 0, count: v.count))
            }
        }
        return try send(.update(Update(baseVersionID: t.baseVersionID, samples: samples, metrics: [:])),
                        round: round ?? task.envelope.round, tensors: zeros,
                        options: PayloadOptions(encoding: .q8, delta: t.baseVersionID))
    }

    /// Waits for a frame from the coordinator matching `predicate` (among all received so far).
    func waitFor(_ what: String, timeout: Double, _ predicate: @Sendable (ReceivedMessage) -> Bool) async throws -> ReceivedMessage {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while true {
            if let hit = received.first(where: predicate) { return hit }
            guard ContinuousClock.now < deadline else {
                throw IntegrationError("\(name): timed out after \(timeout) s waiting for \(what); received \(received.map { "\($0.message.type)@r\($0.envelope.round)" }); problems \(problems)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func task(round: UInt64, timeout: Double) async throws -> ReceivedMessage {
        try await waitFor("a task for round \(round)", timeout: timeout) { m in
            if case .task = m.message { return m.envelope.round == round }
            return false
        }
    }

    func reject(_ code: ReasonCode, timeout: Double) async throws -> Reject {
        let m = try await waitFor("a reject \(code)", timeout: timeout) { m in
            if case .reject(let r) = m.message { return r.code == code }
            return false
        }
        guard case .reject(let r) = m.message else { fatalError("unreachable") }
        return r
    }

    var rejects: [Reject] {
        received.compactMap { if case .reject(let r) = $0.message { return r } else { return nil } }
    }

    var acks: [Ack] {
        received.compactMap { if case .ack(let a) = $0.message { return a } else { return nil } }
    }

    func setAnswerEvaluations(_ on: Bool) { answerEvaluations = on }

    /// Drops the connection (no bye) and stops the background tasks.
    func drop() async {
        for task in background { task.cancel() }
        outbound.finish()
        await connection.close()
    }
}

/// Polls an async condition (used where the state lives in an actor).
func eventuallyAsync(_ what: @autoclosure () -> String, timeout: Double, context: () -> String = { "" },
                     _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            throw IntegrationError("timed out after \(timeout) s waiting for \(what())\n\(context())")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
