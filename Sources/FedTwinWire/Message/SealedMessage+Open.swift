import Foundation

extension SealedMessage {
    /// Verifies the signature with `key` (which must be the key the header names), then
    /// decodes the message and its payload.
    public func open(with key: PublicKey) throws -> ReceivedMessage {
        guard key.fingerprint == claimedEnvelope.sender else {
            throw FrameError(.signerMismatch(header: claimedEnvelope.sender.hex, key: key.fingerprint.hex))
        }
        try frame.verifySignature(with: key)
        return try decodeContents()
    }

    /// Decodes a frame whose signature the caller has already verified (e.g. when the
    /// coordinator re-reads an update it verified on arrival from its content-addressed
    /// store). Never use this on a frame straight from the network.
    public func openVerified() throws -> ReceivedMessage {
        try decodeContents()
    }

    private func decodeContents() throws -> ReceivedMessage {
        switch frame.type {
        case .hello: return try decode(Hello.self, Message.hello)
        case .welcome: return try decode(Welcome.self, Message.welcome)
        case .task: return try decode(TrainingTask.self, Message.task)
        case .update: return try decode(Update.self, Message.update)
        case .evaluate: return try decode(Evaluate.self, Message.evaluate)
        case .evaluation: return try decode(Evaluation.self, Message.evaluation)
        case .ack: return try decode(Ack.self, Message.ack)
        case .reject: return try decode(Reject.self, Message.reject)
        case .heartbeat: return try decode(Heartbeat.self, Message.heartbeat)
        case .bye: return try decode(Bye.self, Message.bye)
        }
    }

    private func decode<M: Codable>(_: M.Type, _ wrap: (M) -> Message) throws -> ReceivedMessage {
        let header: Header<M>
        do {
            header = try MessageCodec.decoder.decode(Header<M>.self, from: Data(frame.header))
        } catch {
            throw FrameError(.malformedHeader(MessageCodec.describe(error)))
        }
        var tensors: [Tensor] = []
        switch (frame.type.carriesPayload, header.payload) {
        case (true, let manifest?):
            do {
                tensors = try frame.bytes.withUnsafeBytes { all in
                    let body = UnsafeRawBufferPointer(rebasing: all[frame.bodyStart..<frame.signedLength])
                    return try TensorPayload.decode(manifest: manifest, body: body, isCompressed: frame.flags.contains(.bodyCompressed), limits: limits.payload)
                }
            } catch let error as PayloadError {
                throw FrameError(.payload(error))
            }
        case (true, nil):
            throw FrameError(.unexpectedBody("\(frame.type) frame has no payload manifest"))
        case (false, .some):
            throw FrameError(.unexpectedBody("\(frame.type) frame must not carry a payload manifest"))
        case (false, nil):
            guard frame.bodyLength == 0 else {
                throw FrameError(.unexpectedBody("\(frame.type) frame has a \(frame.bodyLength)-byte body but carries no payload"))
            }
            guard !frame.flags.contains(.bodyCompressed) else {
                throw FrameError(.unexpectedBody("\(frame.type) frame sets the compressed flag without a body"))
            }
        }
        return ReceivedMessage(envelope: header.envelope, message: wrap(header.message), manifest: header.payload,
                               tensors: tensors, frame: frame.bytes)
    }
}
