import Foundation

/// A site's batch data loaded and split: what a site worker trains and evaluates on.
public struct SiteDataset: Sendable {
    public var config: SiteDataConfig
    public var split: BatchSplit
    public var training: [BatchRecord]
    public var heldOut: [BatchRecord]
    /// What the reader did without refusing (dropped batches); say it to the operator.
    public var warnings: [DataWarning] = []

    public init(config: SiteDataConfig, records: [BatchRecord]) {
        self.config = config
        self.split = BatchSplit(batchIDs: records.map(\.batchID), heldOutFraction: config.heldOutFraction, seed: config.splitSeed)
        (self.training, self.heldOut) = split.apply(to: records)
    }

    /// Every batch, training then held-out.
    public var all: [BatchRecord] { training + heldOut }

    /// Loads the `truth.csv` written next to a simulated site's data (same layout as its
    /// only file), or nil if there is none.
    public static func loadTruth(configURL: URL) throws -> [BatchRecord]? {
        let url = configURL.deletingLastPathComponent().appendingPathComponent("truth.csv")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        var config = try SiteDataConfig.load(from: configURL).normalized(file: configURL.path)
        guard var files = config.files, files.count == 1 else { return nil }
        files[0].path = url.path
        config.files = files
        return try SiteDataReader(config: config, directory: configURL.deletingLastPathComponent()).read().records
    }

    /// Loads `data.json` and its files; the config is validated in full first, and any
    /// data problem throws before anything is returned.
    public static func load(configURL: URL) throws -> SiteDataset {
        let config = try SiteDataConfig.load(from: configURL)
        let output = try read(config, configURL: configURL)
        var dataset = SiteDataset(config: config, records: output.records)
        dataset.warnings = output.warnings
        return dataset
    }

    /// Reads the records a config describes (files resolved from the config's directory).
    public static func read(_ config: SiteDataConfig, configURL: URL) throws -> SiteDataReader.Output {
        let normalized = try config.normalized(file: configURL.path)
        return try SiteDataReader(config: normalized, directory: configURL.deletingLastPathComponent()).read()
    }

    /// Simulates a profile and writes `batches.csv` and `data.json` (a data config like any
    /// plant's) into `directory`, and with `writeTruth` also `truth.csv`: the noise-free
    /// states and inputs in the same layout (see ``SiteProfile/truthRecord(_:batchID:)``),
    /// for evaluation on simulated data only. Returns the written (measured) records.
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
        let config = mapping.dataConfig(path: "batches.csv", heldOutFraction: heldOutFraction,
                                        splitSeed: splitSeed ?? (profile.seed &+ 1), sign: .positive)
        try config.jsonData().write(to: directory.appendingPathComponent("data.json"), options: .atomic)
        return records
    }
}
