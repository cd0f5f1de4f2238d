import ArgumentParser
import FedTwinAggregation
import FedTwinRegistry
import FedTwinSite
import FedTwinWire
import Foundation
import TwinKit

/// `fedtwin store`: create the model registry a coordinator runs on.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Create a model registry.",
        subcommands: [Init.self]
    )

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a store for a component: store.json, version 0 with the initial parameters, the audit log.",
            discussion: "Example: fedtwin store init --store store --component hybrid-bioreactor --coordinator-key keys/coordinator.key"
        )

        @Option(help: "Store directory to create.") var store: String
        @Option(help: "Component id (\(ComponentCatalog.ids.joined(separator: ", "))), or a component spec file (default: hybrid-bioreactor, or the spec's hybrid with --component-spec).") var component: String?
        @Option(help: "Component spec file (docs/twin.md): a store for the spec's hybrid, or with --component feature-statistics for its statistics round.") var componentSpec: String?
        @Option(help: "Coordinator private key: signs every version and audit entry.") var coordinatorKey: String
        @Option(help: "Seed of the initial parameters.") var seed: UInt64 = 1
        @Option(help: "Parameter count of the noop component (default 10000; sites give the same --params). Refused for other components.") var params: Int?

        func run() throws {
            let signer = try KeyFile.readPrivateKey(at: coordinatorKey)
            let twin = try TwinCommand.component(component ?? (componentSpec == nil ? "hybrid-bioreactor" : nil), specFile: componentSpec, parameters: params)
            let tensors = twin.initialParameters(seed: seed).wireTensors(dtype: ComponentCatalog.dtype(for: twin))
            // A declared component records its spec file: hash in the component, bytes as an object.
            let declared = (twin as? SpecHybridComponent) ?? ((twin as? FeatureStatisticsComponent)?.target as? SpecHybridComponent)
            let specPath = componentSpec ?? component.flatMap { TwinComponentCatalog.isSpecFile($0) ? $0 : nil }
            let specFile: [UInt8]? = try declared.flatMap { _ in specPath }.map { path in
                do { return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch { throw CLIError("\(path): cannot read the component spec: \(error)") }
            }
            let spec = ComponentSpec(id: twin.id, schema: FedTwinAggregation.ParameterSchema(describing: tensors),
                                     aggregation: twin.aggregation == .sum ? .sum : .mean, specHash: specFile.map { SHA256.hex($0) })
            if let declared, let hash = spec.specHash, hash != declared.specHash {
                throw CLIError("\(specPath ?? "spec"): the file changed while it was read (hash \(hash.prefix(16))…, loaded \(declared.specHash.prefix(16))…)")
            }
            try FileSystem.makeDirectory(store)
            let registry = try Registry.create(storage: FileStorage(root: store), component: spec, initialParameters: tensors,
                                               signer: signer, software: FedTwinVersion.software, componentSpecFile: specFile)
            let version = try registry.latestVersion()
            print("created store \(store): component \(spec.id) (\(spec.schema.parameterCount) parameters, \(spec.aggregation.rawValue) aggregation)")
            if let hash = spec.specHash { print("component spec: \(specPath ?? "") (sha256 \(hash)), stored in the store") }
            print("version 0: \(version.id.prefix(16)), signed by coordinator \(signer.publicKey.fingerprint.short)")
        }
    }
}
