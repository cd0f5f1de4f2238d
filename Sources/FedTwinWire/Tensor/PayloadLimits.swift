/// Bounds on what a received payload may ask the decoder to allocate or walk.
///
/// Every declared size is compared with these before memory is reserved for it.
public struct PayloadLimits: Sendable, Equatable {
    /// Largest inflated body, in bytes.
    public var maxRawLength: Int
    /// Most tensors in one payload.
    public var maxTensors: Int
    /// Most dimensions of one tensor.
    public var maxRank: Int
    /// Most elements in one tensor.
    public var maxElements: Int
    /// Longest tensor name, in UTF-8 bytes.
    public var maxNameBytes: Int

    public init(maxRawLength: Int = 512 << 20, maxTensors: Int = 4096, maxRank: Int = 8, maxElements: Int = 128 << 20, maxNameBytes: Int = 256) {
        self.maxRawLength = maxRawLength
        self.maxTensors = maxTensors
        self.maxRank = maxRank
        self.maxElements = maxElements
        self.maxNameBytes = maxNameBytes
    }

    /// Safe defaults: 512 MiB inflated, 4096 tensors, rank 8, 128 Mi elements, 256-byte names.
    public static let `default` = PayloadLimits()
}
