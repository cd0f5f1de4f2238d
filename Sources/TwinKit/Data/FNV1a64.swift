/// 64-bit FNV-1a hash: tiny, stable across platforms and releases (unlike `Hasher`,
/// which is randomly seeded per process), so it can fingerprint a data split in a log
/// and be recomputed identically years later.
public struct FNV1a64: Sendable {
    public static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01B3

    public private(set) var value: UInt64 = offsetBasis

    public init() {}

    /// Mixes bytes into the hash.
    public mutating func combine<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        for b in bytes {
            value ^= UInt64(b)
            value = value &* Self.prime
        }
    }

    /// Hash of a string's UTF-8 bytes.
    public static func hash(_ string: String) -> UInt64 {
        var h = FNV1a64()
        h.combine(string.utf8)
        return h.value
    }
}
