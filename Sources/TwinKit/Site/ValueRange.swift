/// A closed range written as `[low, high]` in JSON, so operating windows read naturally
/// in hand-edited site profiles.
public struct ValueRange: Sendable, Equatable, Codable {
    public var low: Double
    public var high: Double

    public init(_ low: Double, _ high: Double) {
        self.low = low
        self.high = high
    }

    /// Centre of the range.
    public var mid: Double { (low + high) / 2 }

    /// Uniform draw from the range.
    public func draw(_ rng: inout Xoshiro256StarStar) -> Double {
        rng.nextUniform(in: low, high)
    }

    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        let lo = try c.decode(Double.self)
        let hi = try c.decode(Double.self)
        guard lo <= hi else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "range [\(lo), \(hi)] has low > high")
        }
        self.init(lo, hi)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(low)
        try c.encode(high)
    }
}
