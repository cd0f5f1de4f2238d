import Foundation

/// Turns typed messages into signed frames and back (PROTOCOL.md §2–§5).
///
/// The one place where header JSON is written and read, so that every message kind is
/// laid out the same way.
public struct MessageCodec: Sendable {
    public var limits: FrameLimits

    public init(limits: FrameLimits = .default) {
        self.limits = limits
    }

    /// Encodes and signs `message`, with `tensors` as its payload when the kind carries one.
    public func encode(_ message: Message, envelope: Envelope, tensors: [Tensor], options: PayloadOptions, signer: SigningKey) throws -> [UInt8] {
        let payload = try TensorPayload.encode(tensors, options: options)
        return try encode(message, envelope: envelope, payload: payload, signer: signer)
    }

    /// Encodes and signs `message` around an already encoded payload: a coordinator
    /// encodes the global model once per round and frames it once, addressed to every
    /// selected session (`Envelope.recipients`).
    public func encode(_ message: Message, envelope: Envelope, payload: TensorPayload? = nil, signer: SigningKey) throws -> [UInt8] {
        guard envelope.sender == signer.publicKey.fingerprint else {
            throw FrameError(.signerMismatch(header: envelope.sender.hex, key: signer.publicKey.fingerprint.hex))
        }
        if message.type.carriesPayload != (payload != nil) {
            throw FrameError(.unexpectedBody(message.type.carriesPayload
                ? "\(message.type) frames must carry a tensor payload"
                : "\(message.type) frames carry no tensor payload"))
        }
        // What a receiver would refuse is refused here, where the sender can say why.
        try message.checkBounds()
        try envelope.checkBounds()
        let header = try Self.encodeHeader(message, envelope: envelope, manifest: payload?.manifest)
        let flags: FrameFlags = payload?.isCompressed == true ? .bodyCompressed : []
        let body = payload?.body ?? []
        return try body.withUnsafeBytes {
            try Frame.encode(type: message.type, flags: flags, header: header, body: $0, signer: signer, limits: limits)
        }
    }

    /// Parses the frame layout and the envelope; the signature is checked by `open(with:)`.
    ///
    /// The header is read in one JSON pass, for its kind, and kept until the signature has
    /// been checked. If the kind's fields do not parse, the envelope alone is read, so that
    /// the receiver still checks the signature first and reports the fields after it
    /// (PROTOCOL.md §2, order of checks).
    public func parse(_ bytes: [UInt8]) throws -> SealedMessage {
        let frame = try Frame(parsing: bytes, limits: limits)
        let json = Data(frame.header)
        // A repeated key would let two parsers read different values from the same signed
        // bytes (PROTOCOL.md §2): refused before anything in the header is used.
        do {
            try StrictJSON.checkKeys(json)
        } catch let error as DuplicateKeyError {
            throw FrameError(error.key == nil ? .malformedHeader("\(error)") : .duplicateKey(error.path))
        }
        let contents = Self.decodeHeader(frame.type, json)
        let envelope: Envelope
        switch contents {
        case .success(let header):
            envelope = header.envelope
        case .failure:
            do {
                envelope = try Self.decoder.decode(Envelope.self, from: json)
            } catch {
                throw FrameError(.malformedHeader(Self.describe(error)))
            }
        }
        return SealedMessage(frame: frame, claimedEnvelope: envelope, contents: contents, limits: limits)
    }

    /// The header of a frame of kind `type`, decoded: envelope, message and payload manifest.
    static func decodeHeader(_ type: MessageType, _ json: Data) -> Result<DecodedHeader, FrameError> {
        func decode<M: Codable>(_: M.Type, _ wrap: (M) -> Message) -> Result<DecodedHeader, FrameError> {
            do {
                let header = try decoder.decode(Header<M>.self, from: json)
                let message = wrap(header.message)
                try message.checkBounds()
                try header.envelope.checkBounds()
                return .success(DecodedHeader(envelope: header.envelope, message: message, manifest: header.payload))
            } catch let error as FrameError {
                return .failure(error)
            } catch {
                return .failure(FrameError(.malformedHeader(describe(error))))
            }
        }
        switch type {
        case .hello: return decode(Hello.self, Message.hello)
        case .welcome: return decode(Welcome.self, Message.welcome)
        case .task: return decode(TrainingTask.self, Message.task)
        case .update: return decode(Update.self, Message.update)
        case .evaluate: return decode(Evaluate.self, Message.evaluate)
        case .evaluation: return decode(Evaluation.self, Message.evaluation)
        case .ack: return decode(Ack.self, Message.ack)
        case .reject: return decode(Reject.self, Message.reject)
        case .heartbeat: return decode(Heartbeat.self, Message.heartbeat)
        case .bye: return decode(Bye.self, Message.bye)
        }
    }

    static func encodeHeader(_ message: Message, envelope: Envelope, manifest: TensorManifest?) throws -> [UInt8] {
        func header<M: Codable>(_ m: M) throws -> [UInt8] {
            do {
                return Array(try encoder.encode(Header(envelope: envelope, message: m, payload: manifest)))
            } catch {
                throw FrameError(.malformedHeader("cannot encode \(message.type) header: \(describe(error))"))
            }
        }
        switch message {
        case .hello(let m): return try header(m)
        case .welcome(let m): return try header(m)
        case .task(let m): return try header(m)
        case .update(let m): return try header(m)
        case .evaluate(let m): return try header(m)
        case .evaluation(let m): return try header(m)
        case .ack(let m): return try header(m)
        case .reject(let m): return try header(m)
        case .heartbeat(let m): return try header(m)
        case .bye(let m): return try header(m)
        }
    }

    /// Sorted keys: the same message always gives the same bytes, which keeps test vectors
    /// stable and frames diffable.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder = JSONDecoder()

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not valid JSON: \(context.debugDescription)" : "invalid value at '\(path)': \(context.debugDescription)"
        case EncodingError.invalidValue(let value, let context):
            return "cannot encode \(value) at '\(context.codingPath.map(\.stringValue).joined(separator: "."))' (NaN and Inf are not allowed)"
        default:
            return String(describing: error)
        }
    }
}

/// A header decoded for its kind, not yet trusted: `SealedMessage` hands it out only after
/// the signature verifies.
struct DecodedHeader: Sendable {
    var envelope: Envelope
    var message: Message
    var manifest: TensorManifest?
}

/// The JSON header: envelope fields at the top level, the kind's fields under "message",
/// the tensor manifest under "payload".
struct Header<M: Codable>: Codable {
    var sender: Fingerprint
    var session: String
    var challenge: String
    var round: UInt64
    var seq: UInt64
    var recipients: [Envelope.Recipient]?
    var message: M
    var payload: TensorManifest?

    init(envelope: Envelope, message: M, payload: TensorManifest?) {
        self.sender = envelope.sender
        self.session = envelope.session
        self.challenge = envelope.challenge
        self.round = envelope.round
        self.seq = envelope.seq
        self.recipients = envelope.recipients
        self.message = message
        self.payload = payload
    }

    var envelope: Envelope {
        Envelope(sender: sender, session: session, challenge: challenge, round: round, seq: seq, recipients: recipients)
    }
}
