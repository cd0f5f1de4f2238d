/// The description of a tensor payload carried in a frame's JSON header.
///
/// It says how to cut the (inflated) body into tensors and records the measured error of
/// every lossy encoding. It is signed along with the body.
public struct TensorManifest: Sendable, Codable, Equatable {
    /// Length in bytes of the body after inflation (equal to the body length when the
    /// frame is not compressed). Checked against limits before any allocation.
    public var rawLength: Int
    /// When set, the tensors are differences from the parameters of this base version
    /// (its content id), not parameters themselves.
    public var delta: String?
    /// Tensors in body order.
    public var tensors: [TensorEntry]

    public init(rawLength: Int, delta: String? = nil, tensors: [TensorEntry]) {
        self.rawLength = rawLength
        self.delta = delta
        self.tensors = tensors
    }
}

/// One tensor in a manifest. `dtype` and `encoding` are kept as text here so that a value
/// this implementation does not know gives a precise error rather than a generic JSON one.
public struct TensorEntry: Sendable, Codable, Equatable {
    public var name: String
    /// Logical element type after decoding: "f32" or "f64".
    public var dtype: String
    /// Dimensions; the element count is their product (1 for `[]`).
    public var shape: [Int]
    /// Storage: "f32", "f64", "f16" or "q8".
    public var encoding: String
    /// Elements per quantisation block (q8 only).
    public var blockSize: Int?
    /// Byte offset of this tensor within the inflated body.
    public var offset: Int
    /// Byte length of this tensor within the inflated body.
    public var length: Int
    /// Largest |original − decoded| over the tensor, measured by the encoder (0 if lossless).
    public var maxAbsError: Double
    /// Root mean square of (original − decoded), measured by the encoder.
    public var rmsError: Double

    public init(name: String, dtype: String, shape: [Int], encoding: String, blockSize: Int?, offset: Int, length: Int, maxAbsError: Double, rmsError: Double) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.encoding = encoding
        self.blockSize = blockSize
        self.offset = offset
        self.length = length
        self.maxAbsError = maxAbsError
        self.rmsError = rmsError
    }
}
