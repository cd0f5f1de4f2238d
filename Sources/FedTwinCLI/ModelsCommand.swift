import ArgumentParser
import FedTwinAggregation
import FedTwinRegistry

/// `fedtwin models`: inspect the versions in a registry — what QA reads, with the
/// coordinator stopped.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List, show, compare, verify, export, approve, release and retire model versions in a registry.",
        discussion: "Every subcommand reads the store directory alone and takes --json for scripts.",
        subcommands: [List.self, Show.self, Diff.self, Verify.self, Export.self, Approve.self, Release.self, Retire.self]
    )
}

/// How the inspection commands name and summarise versions.
enum VersionText {
    /// Resolves a version argument: a number, "latest", or a prefix of a version id
    /// (at least 8 hex digits).
    static func resolve(_ text: String, in registry: Registry) throws -> StoredVersion {
        if text == "latest" { return try registry.latestVersion() }
        if let number = Int(text) {
            guard number >= 0 else { throw CLIError("version must be ≥ 0, got \(text)") }
            return try registry.version(number)
        }
        let prefix = text.lowercased()
        guard prefix.count >= 8, prefix.allSatisfy(\.isHexDigit) else {
            throw CLIError("'\(text)' is not a version: give a number, 'latest', or at least 8 hex digits of a version id")
        }
        let matches = try registry.versionNumbers().map { try registry.version($0) }.filter { $0.id.hasPrefix(prefix) }
        guard matches.count == 1 else {
            throw CLIError(matches.isEmpty ? "no version id starts with \(prefix)" : "\(prefix) matches versions \(matches.map(\.number))")
        }
        return matches[0]
    }

    /// The held-out metric `models list` shows: "loss" if the sites report it, else the
    /// first metric by name; nil without evaluations.
    static func heldOut(_ record: EvaluationRecord?) -> (metric: String, value: Double)? {
        guard let record else { return nil }
        let names = Set(record.evaluations.flatMap(\.metrics.keys)).sorted()
        guard let metric = names.contains("loss") ? "loss" : names.first, let value = record.weightedMean(metric) else { return nil }
        return (metric, value)
    }

    /// Sample-weighted held-out means of every metric the sites reported.
    static func heldOutMeans(_ record: EvaluationRecord?) -> [String: Double] {
        guard let record else { return [:] }
        var means: [String: Double] = [:]
        for name in Set(record.evaluations.flatMap(\.metrics.keys)) { means[name] = record.weightedMean(name) }
        return means
    }

    /// "2025-01-01T12:00:00.123Z" → "2025-01-01 12:00:00Z"; other text is returned as is.
    static func time(_ iso: String) -> String {
        guard iso.count >= 19, iso.hasSuffix("Z") else { return iso }
        return String(iso.prefix(19)).replacingOccurrences(of: "T", with: " ") + "Z"
    }

    static func schema(_ schema: ParameterSchema) -> String {
        schema.tensors.map { "\($0.name) \($0.dtype.rawValue)\($0.shape)" }.joined(separator: ", ")
    }

    static func settings(_ strategy: StrategyConfig) -> String {
        strategy.settings.isEmpty ? "(no settings)" : strategy.settings.keys.sorted().map { "\($0)=\(number(strategy.settings[$0]!))" }.joined(separator: " ")
    }

    static func number(_ x: Double) -> String { String(format: "%.6g", x) }

    static func metrics(_ metrics: [String: Double]) -> String {
        metrics.isEmpty ? "—" : metrics.keys.sorted().map { "\($0)=\(number(metrics[$0]!))" }.joined(separator: " ")
    }

    static func bytes(_ n: Int) -> String {
        n < 10_000 ? "\(n) B" : n < 10_000_000 ? "\(n / 1024) KiB" : "\(n / (1024 * 1024)) MiB"
    }
}

extension Character {
    var isHexDigit: Bool { ("0"..."9").contains(self) || ("a"..."f").contains(self) }
}
