/// The SHA-256 of a raw Ed25519 public key, in lower-case hex.
///
/// Frames name their signer by the full 64-digit form; people compare and type the short
/// form (the first 16 digits) when enrolling a site or pinning a coordinator.
public struct Fingerprint: Sendable, Hashable, Codable, CustomStringConvertible {
    /// All 64 hex digits.
    public let hex: String

    /// Number of hex digits shown to people.
    public static let shortLength = 16

    public init(publicKey raw: [UInt8]) {
        self.hex = SHA256.hex(raw)
    }

    /// Accepts a full 64-digit fingerprint; nil for anything else.
    public init?(hex: String) {
        let lower = hex.lowercased()
        guard lower.utf8.count == 64, Hex.decode(lower) != nil else { return nil }
        self.hex = lower
    }

    /// The first 16 hex digits.
    public var short: String { String(hex.prefix(Self.shortLength)) }

    /// True when `text` (a full or a short fingerprint, any case) names this key.
    /// A short form must have at least 16 digits so that a typo cannot match by accident.
    public func matches(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.utf8.count >= Self.shortLength && hex.hasPrefix(lower)
    }

    public var description: String { short }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Fingerprint(hex: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a 64-digit hex fingerprint: \(text)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
