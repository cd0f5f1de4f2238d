import FedTwinWire
import Foundation

/// Everything needed to simulate a mammalian (CHO-type) site's batch history: cell line,
/// operating window, instruments, logging and batch count — `sites/<name>/profile.json`
/// with `"process": "mammalian"`.
///
/// A type of its own rather than more optional keys on ``SiteProfile``: the two processes
/// share no kinetic knob, operating variable or assay, and a profile that mixed them would
/// be validated against neither (docs/data.md, "Mammalian profiles").
public struct MammalianProfile: Sendable, Equatable, Codable {
    /// Always ``ProcessKind/mammalian``; what tells the loader which type to read.
    public var process: ProcessKind
    public var name: String
    /// Free text for people reading the profile.
    public var description: String
    /// Seeds every random draw of this site's simulation.
    public var seed: UInt64
    public var batchCount: Int
    /// Cell-line kinetics as multipliers on ``CellCultureKinetics/nominal``.
    public var cellLine: CellLineMultipliers
    /// Relative (log-normal sd) batch-to-batch variation of growth and productivity.
    public var batchToBatchVariation: Double
    public var operating: MammalianOperatingWindow
    public var sensors: MammalianSensorModel
    /// Logging intervals, sample volume, integrator tolerances and process fluctuations.
    public var logging: SimulationSettings

    public init(name: String, description: String, seed: UInt64, batchCount: Int, cellLine: CellLineMultipliers,
                batchToBatchVariation: Double, operating: MammalianOperatingWindow, sensors: MammalianSensorModel,
                logging: SimulationSettings) {
        self.process = .mammalian
        self.name = name
        self.description = description
        self.seed = seed
        self.batchCount = batchCount
        self.cellLine = cellLine
        self.batchToBatchVariation = batchToBatchVariation
        self.operating = operating
        self.sensors = sensors
        self.logging = logging
    }

    /// Loads and validates a mammalian `profile.json`.
    public static func load(from url: URL) throws -> MammalianProfile {
        let profile = try InputFile.decodeJSON(MammalianProfile.self, from: url, what: "site profile")
        try profile.validate()
        return profile
    }

    /// Pretty, stable JSON (sorted keys).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
