import ArgumentParser
import Foundation
import FedTwinRegistry
import FedTwinWire

extension ModelsCommand {
    /// `fedtwin models export V`: the parameters for Python (safetensors) or a model card.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a version as safetensors (the stored parameters, byte for byte), a JSON model card, or a release package.",
            discussion: """
                safetensors: loadable with `safetensors.numpy.load_file(FILE)`; its SHA-256 is the \
                version's parameters id. json: version, component, schema, strategy, contributions, \
                metrics, evaluations and every parameter value, with how to verify the version. \
                spec: the component spec file the version was trained with (declared components only). \
                package: a directory for an inspector (parameters, manifest, plan, validation record, \
                signatures, evaluations, audit-log segment, model card, README) with a FILES.sha256 signed \
                by --coordinator-key; check it with `fedtwin package verify DIR`.
                """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case safetensors, json, package
            /// The component spec file the version was trained with, byte for byte (its
            /// SHA-256 is the manifest's spec hash): what sites pass as `--component-spec`.
            case spec
        }

        @Argument(help: "Version number, 'latest' or id prefix.")
        var version: String

        @OptionGroup var options: StoreOptions

        @Option(help: "safetensors, json, spec or package.")
        var format: Format

        @Option(help: "Output file (replaced atomically if it exists); for package, a directory that must not exist or be empty.")
        var out: String

        @Option(help: "The coordinator's private key PEM (package only): it signs FILES.sha256.")
        var coordinatorKey: String?

        func validate() throws {
            if format == .package && coordinatorKey == nil { throw ValidationError("--format package needs --coordinator-key (it signs FILES.sha256)") }
        }

        func run() throws {
            let registry = try options.open()
            if format == .package { return try writePackage(registry) }
            let (v, bytes) = try options.withStoreErrors { () -> (StoredVersion, [UInt8]) in
                let v = try VersionText.resolve(version, in: registry)
                let parameters = try registry.object(v.manifest.parameters)  // hash-checked
                switch format {
                case .safetensors: return (v, parameters)
                case .json: return (v, try modelCard(v, parameters: parameters, evaluations: try registry.evaluations(version: v.number)).bytes())
                case .package: throw CLIError("unreachable: package is written by writePackage")
                case .spec:
                    guard let hash = v.manifest.component.specHash else {
                        throw RegistryError(path: "versions/\(v.number)", problem: "component \(v.manifest.component.id) is built in, not declared by a spec file: nothing to export as spec")
                    }
                    return (v, try registry.object(hash))  // hash-checked
                }
            }
            try FileSystem.write(bytes, to: out)
            print("wrote \(out): version \(v.number) as \(format.rawValue), \(bytes.count) bytes, sha256 \(SHA256.hex(bytes))")
        }

        func modelCard(_ v: StoredVersion, parameters: [UInt8], evaluations: EvaluationRecord?) throws -> JSONValue {
            let m = v.manifest
            let tensors = try SafeTensors.decode(parameters).tensors
            var values: [String: JSONValue] = [:]
            for t in tensors {
                let data: JSONValue
                switch t.values {
                case .f32(let f): data = .encodable(f)
                case .f64(let d): data = .encodable(d)
                }
                values[t.name] = .object(["dtype": .string(t.dtype.rawValue), "shape": .encodable(t.shape), "values": data])
            }
            return .object([
                "format": .string("fedtwin-model-card/1"),
                "version": .int(m.version), "id": .string(v.id), "round": .int(m.round),
                "parent": .optional(m.parent), "parentID": .optional(m.parentID),
                "component": .object([
                    "id": .string(m.component.id), "aggregation": .string(m.component.aggregation.rawValue),
                    "parameterCount": .int(m.component.schema.parameterCount),
                    "schema": .array(m.component.schema.tensors.map {
                        .object(["name": .string($0.name), "dtype": .string($0.dtype.rawValue), "shape": .encodable($0.shape)])
                    }),
                ]),
                "strategy": .object(["name": .string(m.strategy.name), "settings": .numbers(m.strategy.settings)]),
                "contributions": .array(m.contributions.map {
                    .object(["site": .string($0.site), "fingerprint": .string($0.fingerprint.hex), "samples": .int($0.samples)])
                }),
                "totalSamples": .int(m.totalSamples),
                "metrics": .object([
                    "training": .numbers(m.metrics),
                    "heldOut": .numbers(VersionText.heldOutMeans(evaluations)),
                ]),
                "evaluations": .array((evaluations?.evaluations ?? []).map {
                    .object(["site": .string($0.site), "samples": .int($0.samples), "metrics": .numbers($0.metrics)])
                }),
                "parametersID": .string(m.parameters),
                "parameters": .object(values),
                "software": .string(m.software), "createdAt": .string(m.createdAt), "coordinator": .string(m.coordinator.hex),
                "verify": .string("fedtwin models verify \(m.version) --replay --store \(options.store)"),
            ])
        }

        /// Writes the release package into `out`, refusing a non-empty directory.
        func writePackage(_ registry: Registry) throws {
            let signer = try CoordinatorKey.load(coordinatorKey!, for: registry, options: options)
            let (v, package) = try options.withStoreErrors { () -> (StoredVersion, ReleasePackage) in
                let v = try VersionText.resolve(version, in: registry)
                return (v, try registry.exportPackage(version: v.number, signer: signer, software: FedTwinVersion.software))
            }
            if let existing = try? FileManager.default.contentsOfDirectory(atPath: out), !existing.isEmpty {
                throw CLIError("\(out) is not empty; refusing to write a package into it")
            }
            for path in package.files.keys.sorted() {
                let target = "\(out)/\(path)"
                try FileSystem.makeDirectory((target as NSString).deletingLastPathComponent)
                try FileSystem.writeNew(package.files[path]!, to: target)
            }
            let info = try JSONDecoder().decode(PackageInfo.self, from: Data(package.files["package.json"]!))
            print("wrote \(out): release package of version \(v.number) (\(info.stateAtExport)), \(package.files.count) files, audit entries \(info.auditSegment.firstSeq)–\(info.auditSegment.lastSeq)")
            print("verify with: fedtwin package verify \(out) --coordinator-fingerprint \(signer.publicKey.fingerprint.hex)")
        }
    }
}
