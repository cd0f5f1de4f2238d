/// Tensors turned into a manifest and a body, ready to go into a frame.
///
/// Encoding and decoding live in `TensorPayload+Encode.swift` and
/// `TensorPayload+Decode.swift`; PROTOCOL.md §4 is the normative description.
public struct TensorPayload: Sendable, Equatable {
    public var manifest: TensorManifest
    /// The body as it goes on the wire: zlib-compressed when `isCompressed`.
    public var body: [UInt8]
    /// Mirrors the frame flag `FrameFlags.bodyCompressed`.
    public var isCompressed: Bool

    public init(manifest: TensorManifest, body: [UInt8], isCompressed: Bool) {
        self.manifest = manifest
        self.body = body
        self.isCompressed = isCompressed
    }
}
