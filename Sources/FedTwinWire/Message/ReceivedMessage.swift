/// A frame whose signature has been verified, decoded into its envelope, message and tensors.
public struct ReceivedMessage: Sendable, Equatable {
    public var envelope: Envelope
    public var message: Message
    /// The payload manifest (for task, update, evaluate).
    public var manifest: TensorManifest?
    /// Decoded tensors, in manifest order (empty without a payload).
    public var tensors: [Tensor]
    /// The frame as received (shares storage with the caller's buffer; no copy).
    public var frame: [UInt8]

    public init(envelope: Envelope, message: Message, manifest: TensorManifest?, tensors: [Tensor], frame: [UInt8]) {
        self.envelope = envelope
        self.message = message
        self.manifest = manifest
        self.tensors = tensors
        self.frame = frame
    }

    /// SHA-256 of the whole frame, signature included: computed on demand, since hashing a
    /// large task on every receipt would cost a pass over it that most receivers never use.
    public var frameID: String { SHA256.hex(frame) }
}
