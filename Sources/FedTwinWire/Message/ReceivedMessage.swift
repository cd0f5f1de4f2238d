/// A frame whose signature has been verified, decoded into its envelope, message and tensors.
public struct ReceivedMessage: Sendable, Equatable {
    public var envelope: Envelope
    public var message: Message
    /// The payload manifest (for task, update, evaluate).
    public var manifest: TensorManifest?
    /// Decoded tensors, in manifest order (empty without a payload).
    public var tensors: [Tensor]
    /// SHA-256 of the whole frame, signature included.
    public var frameID: String

    public init(envelope: Envelope, message: Message, manifest: TensorManifest?, tensors: [Tensor], frameID: String) {
        self.envelope = envelope
        self.message = message
        self.manifest = manifest
        self.tensors = tensors
        self.frameID = frameID
    }
}
