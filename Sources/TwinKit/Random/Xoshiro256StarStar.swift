/// xoshiro256** (Blackman & Vigna 2018): the workhorse generator of TwinKit.
///
/// Swift's `SystemRandomNumberGenerator` cannot be seeded and the standard library's
/// `random(in:using:)` algorithms are not promised to stay stable across releases, so all
/// TwinKit randomness (weight initialisation, minibatch order, simulator noise, data
/// splits) goes through this type and the explicit distributions in
/// `Xoshiro256StarStar+Distributions.swift`. Same seed, same numbers, on every platform.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64
    /// Second value of the last Box–Muller pair, kept so Gaussian draws cost one pair per two.
    var spareGaussian: Double?

    /// Seeds the four state words from SplitMix64, as the authors recommend; this also
    /// guarantees the all-zero state (which would be a fixed point) never occurs.
    public init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
        spareGaussian = nil
    }

    /// A generator for sub-stream `stream` of `seed` (see ``SplitMix64/derive(seed:stream:)``).
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: SplitMix64.derive(seed: seed, stream: stream))
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    /// Next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }
}
