/// A tensor payload that cannot be encoded or decoded, naming the tensor and the rule.
public struct PayloadError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        /// NaN or ±Inf at `index` (flat) — refused at encode and at decode.
        case nonFinite(index: Int)
        /// A value an encoding cannot represent (e.g. |x| > 65504 for fp16).
        case outOfRange(index: Int, value: Double, encoding: String)
        case unknownDType(String)
        case unknownEncoding(String)
        /// Encoding not allowed for this dtype (e.g. f64 storage for an f32 tensor).
        case encodingNotAllowed(encoding: String, dtype: String)
        case invalidBlockSize(Int?)
        case invalidShape([Int])
        /// The shape and encoding need `expected` bytes; the manifest or data gives `actual`.
        case lengthMismatch(expected: Int, actual: Int)
        /// The tensor's offset is not where the previous tensor ended.
        case offsetMismatch(expected: Int, actual: Int)
        /// The tensors do not cover the body exactly.
        case bodyLengthMismatch(declared: Int, actual: Int)
        case limitExceeded(field: String, value: Int, limit: Int)
        case duplicateName
        /// Tensor names must be non-empty.
        case emptyName
        case inflate(ZlibError)
    }

    /// The tensor concerned, when the problem belongs to one.
    public var tensor: String?
    public var problem: Problem

    public init(tensor: String? = nil, _ problem: Problem) {
        self.tensor = tensor
        self.problem = problem
    }

    public var description: String {
        let prefix = tensor.map { "tensor '\($0)': " } ?? "payload: "
        switch problem {
        case .nonFinite(let index): return prefix + "non-finite value (NaN or Inf) at element \(index)"
        case .outOfRange(let index, let value, let encoding): return prefix + "value \(value) at element \(index) is outside the range of \(encoding)"
        case .unknownDType(let d): return prefix + "unknown dtype '\(d)' (known: f32, f64)"
        case .unknownEncoding(let e): return prefix + "unknown encoding '\(e)' (known: f32, f64, f16, q8)"
        case .encodingNotAllowed(let e, let d): return prefix + "encoding \(e) is not allowed for dtype \(d)"
        case .invalidBlockSize(let b): return prefix + "invalid q8 block size \(b.map(String.init) ?? "missing") (must be 1...65536)"
        case .invalidShape(let s): return prefix + "invalid shape \(s) (dimensions must be ≥ 0, element count must fit)"
        case .lengthMismatch(let e, let a): return prefix + "shape and encoding need \(e) bytes but \(a) are given"
        case .offsetMismatch(let e, let a): return prefix + "offset \(a) but the previous tensor ends at \(e)"
        case .bodyLengthMismatch(let d, let a): return prefix + "tensors cover \(a) bytes but the body has \(d)"
        case .limitExceeded(let f, let v, let l): return prefix + "\(f) = \(v) exceeds the limit \(l)"
        case .duplicateName: return prefix + "name appears twice"
        case .emptyName: return prefix + "tensor name is empty"
        case .inflate(let z): return prefix + z.description
        }
    }
}
