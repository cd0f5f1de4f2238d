/// How a tensor's elements are stored in a payload body. PROTOCOL.md §4 gives the exact
/// byte layouts and formulas.
///
/// The lossy encodings (`f16`, `q8`, and `f32` for an `f64` tensor) shrink updates several
/// times; their reconstruction error is measured at encode time and recorded in the
/// manifest, so every lossy step stays auditable.
public enum TensorEncoding: String, Sendable, Codable, CaseIterable {
    /// IEEE 754 binary32, little-endian.
    case f32
    /// IEEE 754 binary64, little-endian.
    case f64
    /// IEEE 754 binary16, little-endian, rounded to nearest even.
    case f16
    /// Blockwise affine 8-bit quantisation: per block a float32 scale and offset, then one
    /// unsigned byte per element.
    case q8

    /// Whether a decoded tensor may differ from the encoded one.
    public func isLossy(for dtype: DType) -> Bool {
        switch (self, dtype) {
        case (.f64, _), (.f32, .f32): return false
        default: return true
        }
    }

    /// Body bytes taken by `count` elements, or nil on overflow.
    public func byteLength(count: Int, blockSize: Int) -> Int? {
        switch self {
        case .f32: return count.multipliedReportingOverflow(by: 4).overflow ? nil : count * 4
        case .f64: return count.multipliedReportingOverflow(by: 8).overflow ? nil : count * 8
        case .f16: return count.multipliedReportingOverflow(by: 2).overflow ? nil : count * 2
        case .q8:
            guard blockSize > 0 else { return nil }
            let blocks = count / blockSize + (count % blockSize == 0 ? 0 : 1)
            let (header, overflow) = blocks.multipliedReportingOverflow(by: 8)
            guard !overflow else { return nil }
            let (total, overflow2) = header.addingReportingOverflow(count)
            return overflow2 ? nil : total
        }
    }
}
