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
        let header = try contents.get()
        var tensors: [Tensor] = []
        switch (frame.type.carriesPayload, header.manifest) {
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
        return ReceivedMessage(envelope: header.envelope, message: header.message, manifest: header.manifest,
                               tensors: tensors, frame: frame.bytes)
    }
}
