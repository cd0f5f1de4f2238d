import FedTwinWire
import Foundation

/// `sites/<name>/data.json`: where a site's batch data is, how its columns map to named
/// variables and inputs with units, and how batches are split into training and held-out.
///
/// Two layouts: several `files` joined by batch id and time, with `variables`, `feeds`,
/// `withdrawals` and `evaporation` (see docs/data.md); or the single-file `csv` + `mapping`
/// of earlier releases, read as one file of the first layout. The simulator's files are
/// described like any plant's.
public struct SiteDataConfig: Sendable, Equatable, Codable {
    /// What to do with a batch that some joined files have and others lack.
    public enum MissingBatches: String, Sendable, Codable {
        /// Refuse the data, naming the file and line of the batch (default).
        case refuse
        /// Drop such batches and say so once.
        case drop
    }

    /// Single-file layout: CSV path, relative to the config file's directory (or absolute).
    public var csv: String?
    /// Single-file layout: columns of fixed roles.
    public var mapping: ColumnMapping?
    public var files: [DataFileSpec]?
    public var variables: [VariableSpec]?
    public var feeds: [FeedSpec]?
    /// Sampling, partial discharges, any broth leaving the vessel.
    public var withdrawals: [FlowSpec]?
    /// Logged evaporation; without it the models use their evaporation law.
    public var evaporation: FlowSpec?
    public var missingBatches: MissingBatches?
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

    public init(files: [DataFileSpec], variables: [VariableSpec], feeds: [FeedSpec] = [], withdrawals: [FlowSpec] = [],
                evaporation: FlowSpec? = nil, missingBatches: MissingBatches? = nil, heldOutFraction: Double, splitSeed: UInt64) {
        self.files = files
        self.variables = variables
        self.feeds = feeds
        self.withdrawals = withdrawals
        self.evaporation = evaporation
        self.missingBatches = missingBatches
        self.heldOutFraction = heldOutFraction
        self.splitSeed = splitSeed
    }

    /// Loads and validates a config in full (units, names, files named by columns); no
    /// data file is opened.
    public static func load(from url: URL) throws -> SiteDataConfig {
        let config = try InputFile.decodeJSON(SiteDataConfig.self, from: url, what: "data config")
        _ = try config.normalized(file: url.path)
        return config
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// The same config in the multi-file layout, validated. `file` names the config in errors.
    public func normalized(file: String) throws -> SiteDataConfig {
        guard (0..<1).contains(heldOutFraction) else {
            throw DataConfigError(file: file, key: "heldOutFraction", problem: .heldOutFraction(heldOutFraction))
        }
        var config: SiteDataConfig
        switch (csv, mapping, files) {
        case let (csv?, mapping?, nil):
            // A feed must say what it carries (the single-file reader refused this too).
            if let f = mapping.feeds.firstIndex(where: { $0.concentration == nil && $0.fixedConcentration == nil }) {
                throw DataConfigError(file: file, key: "mapping.feeds[\(f)]", problem: .columnOrValue)
            }
            config = mapping.dataConfig(path: csv, heldOutFraction: heldOutFraction, splitSeed: splitSeed)
        case (nil, nil, _?):
            config = self
        default:
            throw DataConfigError(file: file, key: files == nil ? "csv" : "files", problem: .layout)
        }
        try config.validate(file: file)
        return config
    }
}
