/// How a sender stores a payload: element encoding, quantisation block, compression, and
/// whether the tensors are a delta from a base version.
public struct PayloadOptions: Sendable, Equatable {
    public var encoding: TensorEncoding
    /// Elements per q8 block; smaller blocks cost 8 bytes more each but track local
    /// ranges more tightly.
    public var blockSize: Int
    /// zlib level 0–9, or nil to send the body uncompressed.
    public var compressionLevel: Int32?
    /// Content id of the base version when the tensors are differences from it.
    public var delta: String?

    public init(encoding: TensorEncoding = .f32, blockSize: Int = 256, compressionLevel: Int32? = 6, delta: String? = nil) {
        self.encoding = encoding
        self.blockSize = blockSize
        self.compressionLevel = compressionLevel
        self.delta = delta
    }
}
