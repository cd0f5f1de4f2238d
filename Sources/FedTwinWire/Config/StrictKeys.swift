/// Config files refuse keys they do not know, at every level: a typo such as
/// `training.epoch` must stop the program with the key's path, not fall back to a default.
///
/// A keyed container of the type's own `CodingKeys` lists only the keys that type knows
/// (`allKeys` drops the rest), so the check reads the object through `AnyCodingKey`, which
/// accepts every key present.
public enum StrictKeys {
    /// Throws `DecodingError.dataCorrupted` at the path of the first unknown key (sorted)
    /// of the object `decoder` stands on, naming the known keys.
    public static func check<Keys: CodingKey & CaseIterable>(_ decoder: any Decoder, against keys: Keys.Type) throws {
        let present = try decoder.container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
        let known = Set(Keys.allCases.map(\.stringValue))
        guard let unknown = present.sorted().first(where: { !known.contains($0) }) else { return }
        throw DecodingError.dataCorrupted(DecodingError.Context(
            codingPath: decoder.codingPath + [AnyCodingKey(unknown)],
            debugDescription: "unknown key (known: \(known.sorted().joined(separator: ", ")))"))
    }
}

/// A coding key for any string: lets a container list every key an object has.
public struct AnyCodingKey: CodingKey, Sendable {
    public var stringValue: String
    public var intValue: Int? { nil }

    public init(_ string: String) { stringValue = string }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}
