/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast generator used here only to
/// expand one 64-bit seed into well-mixed state for ``Xoshiro256StarStar`` and to derive
/// independent sub-seeds. It is explicit state, never global, so every random draw in
/// TwinKit can be replayed from the seed written in a site profile or training config.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// Current internal state; advancing it is the whole generator.
    public private(set) var state: UInt64

    /// Creates a generator whose whole future output is fixed by `seed`.
    public init(seed: UInt64) {
        self.state = seed
    }

    /// Next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Derives a sub-seed for stream `stream` of a parent `seed`, so that e.g. batch 7 of a
    /// site gets the same noise whether or not batches 0–6 were generated first.
    public static func derive(seed: UInt64, stream: UInt64) -> UInt64 {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        _ = mixer.next()
        return mixer.next()
    }
}
