/// A structurally valid frame whose signature has not been checked yet.
///
/// The receiver reads `claimedEnvelope.sender` to find the enrolled or pinned key, then
/// calls `open(with:)`; nothing from the message or payload is exposed before that.
public struct SealedMessage: Sendable {
    public let frame: Frame
    /// The envelope as the (unverified) header states it.
    public let claimedEnvelope: Envelope
    /// The whole header decoded at parse time (one JSON pass), or why its kind's fields did
    /// not parse; exposed only through `open`.
    let contents: Result<DecodedHeader, FrameError>
    let limits: FrameLimits

    public var type: MessageType { frame.type }
}
