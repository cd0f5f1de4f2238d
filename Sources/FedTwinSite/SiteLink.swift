import FedTwinTransport
import FedTwinWire

/// One session's outgoing side: assigns sequence numbers, signs, logs and queues frames,
/// so that the training loop and the heartbeat task never interleave a sequence.
actor SiteLink {
    let key: SigningKey
    let codec: MessageCodec
    let session: String
    let challenge: String
    let outbound: AsyncStream<[UInt8]>.Continuation
    let log: SentLog
    var nextSeq: UInt64 = 1
    var state = "idle"

    init(key: SigningKey, codec: MessageCodec, session: String, challenge: String, outbound: AsyncStream<[UInt8]>.Continuation, log: SentLog) {
        self.key = key
        self.codec = codec
        self.session = session
        self.challenge = challenge
        self.outbound = outbound
        self.log = log
    }

    func send(_ message: Message, round: UInt64, tensors: [Tensor]? = nil, options: PayloadOptions = PayloadOptions()) throws {
        let envelope = Envelope(sender: key.publicKey.fingerprint, session: session, challenge: challenge, round: round, seq: nextSeq)
        let frame: [UInt8]
        if let tensors {
            frame = try codec.encode(message, envelope: envelope, tensors: tensors, options: options, signer: key)
        } else {
            frame = try codec.encode(message, envelope: envelope, signer: key)
        }
        nextSeq += 1
        // The line is written before the frame is queued, so nothing leaves unrecorded; the
        // disk flush comes after, off the frame's path.
        try log.sent(message.type, frame: frame, envelope: envelope)
        outbound.yield(frame)
        try log.sync()
    }

    func setState(_ state: String) { self.state = state }

    func heartbeat() throws {
        try send(.heartbeat(Heartbeat(state: state)), round: 0)
    }
}
