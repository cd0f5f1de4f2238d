import FedTwinWire
import Foundation

/// Everything needed to simulate one site's batch history: strain, operating window,
/// instruments, logging and how many batches — an editable `sites/<name>/profile.json`.
///
/// Profiles are the only source of site-to-site differences in simulated data, so the
/// non-IID structure of an experiment is reviewable in three small JSON files.
public struct SiteProfile: Sendable, Equatable, Codable {
    public var name: String
    /// Free text for people reading the profile.
    public var description: String
    /// Seeds every random draw of this site's simulation.
    public var seed: UInt64
    public var batchCount: Int
    /// Strain kinetics as multipliers on PenSim nominal values.
    public var strain: KineticMultipliers
    /// Relative (log-normal sd) batch-to-batch variation of growth and production.
    public var batchToBatchVariation: Double
    public var operating: OperatingWindow
    public var sensors: SensorModel
    public var logging: SimulationSettings
    /// `"penicillin"` or absent (every profile before the mammalian simulator); a
    /// mammalian profile is a ``MammalianProfile`` (see ``SimulatorProfile``).
    public var process: ProcessKind? = nil

    public init(name: String, description: String, seed: UInt64, batchCount: Int, strain: KineticMultipliers,
                batchToBatchVariation: Double, operating: OperatingWindow, sensors: SensorModel, logging: SimulationSettings) {
        self.name = name
        self.description = description
        self.seed = seed
        self.batchCount = batchCount
        self.strain = strain
        self.batchToBatchVariation = batchToBatchVariation
        self.operating = operating
        self.sensors = sensors
        self.logging = logging
    }

    /// Loads and validates `profile.json`.
    public static func load(from url: URL) throws -> SiteProfile {
        if let object = try? JSONSerialization.jsonObject(with: InputFile.read(url, what: "site profile")) as? [String: Any],
           let process = object["process"] as? String, process != ProcessKind.penicillin.rawValue {
            throw InputFileError(path: url.path, what: "site profile", problem: .invalid(
                "key 'process': '\(process)' is not a penicillin-type profile, which is what is read here (`fedtwin data simulate` reads every kind; pass the data.json it writes)"))
        }
        let profile = try InputFile.decodeJSON(SiteProfile.self, from: url, what: "site profile")
        try profile.validate()
        return profile
    }

    /// Pretty, stable JSON (sorted keys) for writing `profile.json`.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
