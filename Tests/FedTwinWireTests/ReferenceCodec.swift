@testable import FedTwinWire

/// PROTOCOL.md §4.3 written out independently of the encoder: what a decoder must
/// reconstruct for each value, element by element, in binary64.
enum Reference {
    static func reconstruct(_ x: [Double], dtype: DType, encoding: TensorEncoding, blockSize: Int) -> [Double] {
        func toDType(_ v: Double) -> Double { dtype == .f32 ? Double(Float(v)) : v }
        switch encoding {
        case .f64:
            return x
        case .f32:
            return x.map { Double(Float($0)) }
        case .f16:
            return x.map { Double(Float16($0)) }
        case .q8:
            var out: [Double] = []
            out.reserveCapacity(x.count)
            for params in blocks(x, blockSize: blockSize) {
                for i in params.range {
                    out.append(toDType(params.offset + params.scale * Double(code(x[i], params))))
                }
            }
            return out
        }
    }

    struct Block {
        var range: Range<Int>
        var lo: Double
        var hi: Double
        /// f32(lo) widened.
        var offset: Double
        /// f32((hi − offset) / 255) widened.
        var scale: Double
    }

    static func blocks(_ x: [Double], blockSize: Int) -> [Block] {
        stride(from: 0, to: x.count, by: blockSize).map { start in
            let range = start..<min(x.count, start + blockSize)
            let lo = x[range].min()!, hi = x[range].max()!
            let offset = Double(Float(lo))
            return Block(range: range, lo: lo, hi: hi, offset: offset, scale: Double(Float((hi - offset) / 255)))
        }
    }

    static func code(_ x: Double, _ b: Block) -> UInt8 {
        guard b.scale > 0 else { return 0 }
        return UInt8(min(255, max(0, ((x - b.offset) / b.scale).rounded(.toNearestOrEven))))
    }

    /// max |x − x̂| and sqrt(mean((x − x̂)²)), in binary64.
    static func errors(_ original: [Double], _ decoded: [Double]) -> (maxAbs: Double, rms: Double) {
        precondition(original.count == decoded.count)
        var maxAbs = 0.0, sum = 0.0
        for (x, y) in zip(original, decoded) {
            let d = x - y
            maxAbs = max(maxAbs, abs(d))
            sum += d * d
        }
        return (maxAbs, original.isEmpty ? 0 : (sum / Double(original.count)).squareRoot())
    }
}

/// Equal within `relative` of the larger magnitude (exactly equal when both are 0).
func close(_ a: Double, _ b: Double, relative: Double = 1e-12) -> Bool {
    a == b || abs(a - b) <= relative * max(abs(a), abs(b))
}
