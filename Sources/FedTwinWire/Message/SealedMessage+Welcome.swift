import Foundation

extension SealedMessage {
    /// The coordinator key a `welcome` frame claims, read before verification.
    ///
    /// Key discovery only: the caller must check the key against its pinned fingerprint and
    /// then `open(with:)` the frame with it; nothing else in the frame may be trusted before.
    public func claimedCoordinatorKey() throws -> PublicKey {
        guard frame.type == .welcome else {
            throw FrameError(.unexpectedBody("expected a welcome frame, got \(frame.type)"))
        }
        let header: Header<Welcome>
        do {
            header = try MessageCodec.decoder.decode(Header<Welcome>.self, from: Data(frame.header))
        } catch {
            throw FrameError(.malformedHeader(MessageCodec.describe(error)))
        }
        guard let raw = Hex.decode(header.message.coordinatorKey), raw.count == 32 else {
            throw FrameError(.malformedHeader("welcome.coordinatorKey is not 32 hex-encoded bytes"))
        }
        return try PublicKey(rawRepresentation: raw)
    }
}

extension SealedMessage {
    /// The reject a peer claims to send, read without verification: a site that has not
    /// yet learnt the coordinator's key can still show the operator why its hello was
    /// refused. Never act on it beyond reporting.
    public func claimedReject() -> Reject? {
        guard frame.type == .reject else { return nil }
        return try? MessageCodec.decoder.decode(Header<Reject>.self, from: Data(frame.header)).message
    }
}
