import ArgumentParser
import FedTwinAggregation
import FedTwinRegistry
import FedTwinSite
import FedTwinWire
import Foundation
import TwinKit

/// `fedtwin twin scale`: fixes a spec's feature scaling from the consortium's statistics round.
///
/// The statistics round (`--component feature-statistics --component-spec SPEC`, one round,
/// sum aggregation) commits count, Σx and Σx² of every network input and observed variable
/// over every site's training batches. This command turns that committed sum into means and
/// standard deviations and writes them into a copy of the spec (``TwinSpec/scaling``): the
/// copy's hash, recorded in the training store and every manifest, then covers the scaling
/// every site trains and scores with, so a federated network means the same thing at every
/// site. Without it each site scaled by its own data and averaged weights of different
/// meanings.
struct TwinScale: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Write a spec with the consortium's feature scaling from a statistics round's store.",
        discussion: """
            Example: fedtwin twin scale --statistics stats-store --component-spec sites/specs/penicillin.json \
            --out penicillin.scaled.json; then fedtwin store init --component-spec penicillin.scaled.json and sites \
            run with the same file.
            """
    )

    @Option(help: "Store of the spec's statistics round (component feature-statistics).") var statistics: String
    @Option(help: "Version of the statistics store to read (number or 'latest'; version 0 holds no statistics).") var version: String = "latest"
    @Option(help: "The component spec the statistics round ran on.") var componentSpec: String
    @Option(help: "Where to write the spec with its scaling.") var out: String

    func run() throws {
        let specURL = URL(fileURLWithPath: componentSpec)
        let bytes: Data
        do { bytes = try Data(contentsOf: specURL) } catch { throw CLIError("\(componentSpec): cannot read the component spec: \(error)") }
        let hybrid: SpecHybridComponent
        do { hybrid = try SpecHybridComponent(specFile: specURL) } catch { throw CLIError("\(error)") }
        let options = try StoreOptions.parse(["--store", statistics])
        let registry = try options.open()
        let (info, stored) = try options.withStoreErrors { (try registry.info(), try VersionText.resolve(version, in: registry)) }
        let scaling = try Self.consortiumScaling(info: info, version: stored, specBytes: bytes, hybrid: hybrid, store: statistics) {
            try options.withStoreErrors { try registry.state(of: stored) }
        }
        var spec = hybrid.spec
        if spec.scaling != nil { FileHandle.standardError.write(Data("note: \(componentSpec) already had a scaling; it is replaced\n".utf8)) }
        spec.scaling = scaling
        let data = try Self.encode(spec)
        do { try data.write(to: URL(fileURLWithPath: out), options: .atomic) } catch { throw CLIError("\(out): cannot write the spec: \(error)") }
        print("wrote \(out) (sha256 \(SHA256.hex([UInt8](data)))): \(componentSpec) with the consortium scaling of \(statistics) version \(stored.number) (\(stored.id.prefix(12)))")
        var table = TextTable(["feature", "mean", "std"], numeric: [1, 2])
        for (i, name) in scaling.names.enumerated() {
            table.add([name, String(format: "%.6g", scaling.mean[i]), String(format: "%.6g", scaling.std[i])])
        }
        print(table.render())
    }

    /// The scaling a statistics store's version defines for `hybrid`, refused with the reason
    /// when the store is not the statistics round of exactly this spec file or the version
    /// holds no statistics.
    static func consortiumScaling(info: StoreInfo, version: StoredVersion, specBytes: Data, hybrid: SpecHybridComponent, store: String,
                                  parameters: () throws -> ModelState) throws -> FeatureScaling {
        let statisticsComponent = FeatureStatisticsComponent(target: hybrid)
        guard info.component.id == statisticsComponent.id else {
            throw CLIError("\(store): a store of component \(info.component.id), not of a statistics round (--component \(statisticsComponent.id))")
        }
        let hash = SHA256.hex([UInt8](specBytes))
        guard info.component.specHash == hash else {
            throw CLIError("\(store): its statistics round ran on another spec (sha256 \(info.component.specHash?.prefix(16) ?? "none")…), not this file (\(hash.prefix(16))…)")
        }
        guard version.number >= 1 else { throw CLIError("\(store): version 0 holds no statistics: run the statistics round first") }
        let set: ParameterSet
        do { set = try ParameterSet(wire: try parameters().parameters, schema: statisticsComponent.schema) } catch {
            throw CLIError("\(store): version \(version.number): \(error)")
        }
        do { return try statisticsComponent.scaling(set) } catch { throw CLIError("\(store): version \(version.number): \(error)") }
    }

    /// Pretty, sorted-key JSON: one spec file reads the same wherever it is written.
    static func encode(_ spec: TwinSpec) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(spec)
    }
}
