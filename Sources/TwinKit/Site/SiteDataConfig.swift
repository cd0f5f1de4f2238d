import FedTwinWire
import Foundation

/// `sites/<name>/data.json`: where a site's batch CSV is, how its columns map to roles,
/// and how it is split into training and held-out batches.
public struct SiteDataConfig: Sendable, Equatable, Codable {
    /// CSV path, relative to the config file's directory (or absolute).
    public var csv: String
    public var mapping: ColumnMapping
    /// Fraction of batches held out for evaluation.
    public var heldOutFraction: Double
    /// Seed fixing the split before any training.
    public var splitSeed: UInt64

    public init(csv: String, mapping: ColumnMapping, heldOutFraction: Double, splitSeed: UInt64) {
        self.csv = csv
        self.mapping = mapping
        self.heldOutFraction = heldOutFraction
        self.splitSeed = splitSeed
    }

    public static func load(from url: URL) throws -> SiteDataConfig {
        try InputFile.decodeJSON(SiteDataConfig.self, from: url, what: "data config")
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
