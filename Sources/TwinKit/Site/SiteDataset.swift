import Foundation

/// A site's batch data loaded and split: what a site worker trains and evaluates on.
public struct SiteDataset: Sendable {
    public var config: SiteDataConfig
    public var split: BatchSplit
    public var training: [BatchRecord]
    public var heldOut: [BatchRecord]

    public init(config: SiteDataConfig, records: [BatchRecord]) {
        self.config = config
        self.split = BatchSplit(batchIDs: records.map(\.batchID), heldOutFraction: config.heldOutFraction, seed: config.splitSeed)
        (self.training, self.heldOut) = split.apply(to: records)
    }

    /// Loads the `truth.csv` written next to a simulated site's data (same mapping), or nil
    /// if there is none.
    public static func loadTruth(configURL: URL) throws -> [BatchRecord]? {
        let url = configURL.deletingLastPathComponent().appendingPathComponent("truth.csv")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try BatchCSVReader(mapping: SiteDataConfig.load(from: configURL).mapping).read(contentsOf: url)
    }

    /// Loads `data.json` and its CSV; any CSV problem throws before anything is returned.
    public static func load(configURL: URL) throws -> SiteDataset {
        let config = try SiteDataConfig.load(from: configURL)
        let csvURL = config.csv.hasPrefix("/")
            ? URL(fileURLWithPath: config.csv)
            : configURL.deletingLastPathComponent().appendingPathComponent(config.csv)
        let records = try BatchCSVReader(mapping: config.mapping).read(contentsOf: csvURL)
        return SiteDataset(config: config, records: records)
    }

    /// Simulates a profile and writes `batches.csv` and `data.json` into `directory`, and
    /// with `writeTruth` also `truth.csv`: the noise-free states and inputs in the same
    /// layout (see ``SiteProfile/truthRecord(_:batchID:)``), for evaluation on simulated
    /// data only. Returns the written (measured) records.
    @discardableResult
    public static func writeSimulated(_ profile: SiteProfile, to directory: URL, heldOutFraction: Double = 0.25,
                                      splitSeed: UInt64? = nil, writeTruth: Bool = false) throws -> [BatchRecord] {
        let runs = profile.simulate()
        let records = runs.map(\.record)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let mapping = ColumnMapping.simulatorDefault
        try BatchCSVWriter(mapping: mapping).write(records, to: directory.appendingPathComponent("batches.csv"))
        if writeTruth {
            let truth = runs.map { profile.truthRecord($0.truth, batchID: $0.record.batchID) }
            try BatchCSVWriter(mapping: mapping).write(truth, to: directory.appendingPathComponent("truth.csv"))
        }
        let config = SiteDataConfig(csv: "batches.csv", mapping: mapping, heldOutFraction: heldOutFraction,
                                    splitSeed: splitSeed ?? (profile.seed &+ 1))
        try config.jsonData().write(to: directory.appendingPathComponent("data.json"), options: .atomic)
        return records
    }
}
