import FedTwinWire
import Foundation

/// A site profile of either simulator, chosen by its `process` key (absent = penicillin),
/// so `fedtwin data simulate` takes any `profile.json` and old profiles read unchanged.
public enum SimulatorProfile: Sendable, Equatable {
    case penicillin(SiteProfile)
    case mammalian(MammalianProfile)

    public var name: String {
        switch self {
        case .penicillin(let p): return p.name
        case .mammalian(let p): return p.name
        }
    }

    public var seed: UInt64 {
        switch self {
        case .penicillin(let p): return p.seed
        case .mammalian(let p): return p.seed
        }
    }

    /// Loads and validates a profile of either kind; an unknown `process` is refused with
    /// the file and the key.
    public static func load(from url: URL) throws -> SimulatorProfile {
        let data = try InputFile.read(url, what: "site profile")
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        switch object?["process"] {
        case nil:
            return .penicillin(try SiteProfile.load(from: url))
        case let raw as String:
            switch ProcessKind(rawValue: raw) {
            case .penicillin: return .penicillin(try SiteProfile.load(from: url))
            case .mammalian: return .mammalian(try MammalianProfile.load(from: url))
            case nil:
                let known = ProcessKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw InputFileError(path: url.path, what: "site profile", problem: .invalid("key 'process': unknown process '\(raw)' (known: \(known))"))
            }
        default:
            throw InputFileError(path: url.path, what: "site profile", problem: .invalid("key 'process': expected a string"))
        }
    }

    /// Simulates the profile and writes `batches.csv`, `data.json` and, with `writeTruth`,
    /// `truth.csv` into `directory`. Returns the written (measured) records.
    @discardableResult
    public func writeSimulated(to directory: URL, heldOutFraction: Double = 0.25, splitSeed: UInt64? = nil,
                               writeTruth: Bool = false) throws -> [BatchRecord] {
        switch self {
        case .penicillin(let p):
            return try SiteDataset.writeSimulated(p, to: directory, heldOutFraction: heldOutFraction, splitSeed: splitSeed, writeTruth: writeTruth)
        case .mammalian(let p):
            return try p.writeSimulated(to: directory, heldOutFraction: heldOutFraction, splitSeed: splitSeed, writeTruth: writeTruth)
        }
    }
}

extension MammalianProfile {
    /// Simulates the profile and writes `batches.csv` in ``MammalianCSVLayout/standard``,
    /// its `data.json`, and with `writeTruth` the noise-free `truth.csv`.
    @discardableResult
    public func writeSimulated(to directory: URL, heldOutFraction: Double = 0.25, splitSeed: UInt64? = nil,
                               writeTruth: Bool = false) throws -> [BatchRecord] {
        let runs = try simulate()
        let records = runs.map(\.record)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let layout = MammalianCSVLayout.standard
        try layout.write(records, to: directory.appendingPathComponent("batches.csv"))
        if writeTruth {
            try layout.write(runs.map { truthRecord($0.truth, batchID: $0.record.batchID) }, to: directory.appendingPathComponent("truth.csv"))
        }
        let config = layout.dataConfig(path: "batches.csv", heldOutFraction: heldOutFraction, splitSeed: splitSeed ?? (seed &+ 1))
        try config.jsonData().write(to: directory.appendingPathComponent("data.json"), options: .atomic)
        return records
    }
}
