import ArgumentParser
import FedTwinCommandLine
import FedTwinRegistry
import FedTwinSite
import FedTwinWire
import Foundation
import TwinKit

/// `fedtwin twin`: local work at a site on any data its data config describes.
struct TwinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twin",
        abstract: "Train or evaluate a twin component on a site's data (any data config).",
        subcommands: [TwinTrain.self, TwinEvaluate.self, TwinScale.self]
    )

    /// The site's dataset, with loading errors as operator messages.
    static func dataset(_ path: String) throws -> SiteDataset {
        do {
            return try SiteDataset.load(configURL: URL(fileURLWithPath: path))
        } catch {
            throw CLIError("\(error)")
        }
    }

    /// `component` with its feature scaling fixed from the site's own training batches when
    /// it scales features and has none fixed: local work trains and evaluates under one
    /// scaling (the held-out batches' own would shift every network input).
    /// The store's component spec file, written to a temporary file named by its hash (the
    /// registry checks the object still hashes to its id), or nil for a built-in component.
    /// `twin evaluate --version` then scores exactly the model the store trained, with the
    /// store's consortium scaling, without the user having to find the right file.
    static func storedSpecFile(_ registry: Registry) throws -> String? {
        guard let hash = try registry.info().component.specHash else { return nil }
        let bytes = try registry.object(hash)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fedtwin-spec-\(hash).json")
        do { try Data(bytes).write(to: url, options: .atomic) } catch { throw CLIError("\(url.path): cannot write the store's component spec: \(error)") }
        return url.path
    }

    static func withLocalScaling(_ component: any TwinComponent, _ dataset: SiteDataset) throws -> any TwinComponent {
        guard let scaled = component as? any FeatureScaledComponent else { return component }
        if let spec = scaled as? SpecHybridComponent, spec.scaling != nil { return spec }
        func fix<C: FeatureScaledComponent>(_ c: C) throws -> C {
            try c.withScaling(try FeatureStatistics(names: c.scalingFeatureNames, samples: try c.scalingSamples(dataset.training)).scaling())
        }
        do {
            return try fix(scaled)
        } catch {
            throw CLIError("scaling \(component.id) from the site's training batches: \(error)")
        }
    }

    /// A stored version's parameters for `component`.
    static func stored(_ version: String, store: String, component: any TwinComponent) throws -> ParameterSet {
        let options = try StoreOptions.parse(["--store", store])
        let registry = try options.open()
        let (stored, state) = try options.withStoreErrors {
            let v = try VersionText.resolve(version, in: registry)
            return (v, try registry.state(of: v))
        }
        guard stored.manifest.component.id == component.id else {
            throw CLIError("\(store): version \(stored.number) is a \(stored.manifest.component.id) model, not \(component.id)")
        }
        do {
            return try ParameterSet(wire: state.parameters, schema: component.schema)
        } catch {
            throw CLIError("\(store): version \(stored.number): \(error)")
        }
    }

    /// A component from `--component ID|SPEC` (a catalog id, or a spec file for the spec's
    /// hybrid) and an optional `--component-spec` (with `feature-statistics`, the spec's
    /// statistics round).
    static func component(_ argument: String?, specFile: String? = nil, parameters: Int? = nil) throws -> any TwinComponent {
        if specFile == nil, let id = argument, !TwinComponentCatalog.isSpecFile(id) {
            do {
                return try ComponentCatalog.component(id, parameters: parameters)
            } catch let error as SiteError where TwinComponentCatalog.make(id) != nil || id == "noop" {
                throw CLIError("\(error)")
            } catch {
                throw CLIError("unknown component '\(id)': one of \(ComponentCatalog.ids.joined(separator: ", ")), or a component spec file")
            }
        }
        do {
            return try ComponentCatalog.component(argument, specFile: specFile, parameters: parameters)
        } catch {
            throw CLIError("\(error)")
        }
    }
}

/// `fedtwin twin train`.
struct TwinTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a component on a site's training batches; writes parameters.json and metrics.json to --out.",
        discussion: "Example: fedtwin twin train --data sites/site-a/data.json --component hybrid-bioreactor --out runs/a"
    )

    @Option(help: "The site's data config (data.json).") var data: String
    @Option(help: "Component id, or a component spec file (docs/twin.md) for the spec's hybrid.") var component: String?
    @Option(help: "Component spec file; with --component feature-statistics, the spec's statistics round.") var componentSpec: String?
    @Option(help: "Start from this stored version (needs --store) instead of the component's initial parameters.") var fromVersion: String?
    @Option(help: "Model registry directory, for --from-version.") var store: String?
    @Option(help: "Output directory.") var out: String
    @Option(help: "Training epochs.") var epochs: Int = 50
    @Option(help: "Learning rate.") var learningRate: Double = 5e-3
    @Option(help: "Seed for initial parameters and training.") var seed: UInt64 = 0

    func validate() throws {
        if fromVersion != nil && store == nil { throw ValidationError("--from-version needs --store") }
        if component == nil && componentSpec == nil { throw ValidationError("give --component ID|SPEC or --component-spec FILE") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
    }

    func run() throws {
        let dataset = try TwinCommand.dataset(data)
        let component = try TwinCommand.withLocalScaling(try TwinCommand.component(component, specFile: componentSpec), dataset)
        let start = try fromVersion.map { try TwinCommand.stored($0, store: store!, component: component) }
            ?? component.initialParameters(seed: seed)
        let result: TrainingResult
        // Epoch k/N on stderr while it trains, when stderr is a terminal.
        let line = TerminalProgressLine()
        do {
            result = try TrainingProgress.withReporter({ line.update("training \(component.id): \($0)", final: $0.isLast) }) {
                try component.train(from: start, on: dataset.training,
                                    config: TrainingConfig(epochs: epochs, learningRate: learningRate, seed: seed))
            }
            line.clear()
        } catch {
            line.clear()
            throw CLIError("training \(component.id) on \(data): \(error)")
        }
        let heldOut = dataset.heldOut.isEmpty ? [:] : (try? component.evaluate(result.parameters, on: dataset.heldOut)) ?? [:]
        let dir = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(result.parameters).write(to: dir.appendingPathComponent("parameters.json"), options: .atomic)
        try JSONValue.object([
            "component": .string(component.id), "data": .string(data), "samples": .int(result.samples),
            "training": .encodable(result.metrics), "heldOut": .encodable(heldOut),
            "split": .string(dataset.split.fingerprintDescription),
        ]).bytes().withUnsafeBufferPointer { try Data(buffer: $0).write(to: dir.appendingPathComponent("metrics.json"), options: .atomic) }
        print("trained \(component.id) on \(dataset.training.count) batches (\(result.samples) samples): \(out)/parameters.json")
        for (k, v) in heldOut.sorted(by: { $0.key < $1.key }) { print("  held-out \(k) = \(v)") }
    }
}

/// `fedtwin twin evaluate`.
struct TwinEvaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate parameters (a file from `twin train`, a stored version, or a fetched release) on a site's held-out or all batches.",
        discussion: """
            --release DIR is a release installed by `fedtwin-site fetch` (RELEASES/COMPONENT/CHANNEL): its files \
            are verified again before use, and a declared component's spec file comes from it. The output names \
            the version used and its state.
            Example: fedtwin twin evaluate --data sites/site-a/data.json --component hybrid-bioreactor --params runs/a/parameters.json
            """
    )

    @Option(help: "The site's data config (data.json).") var data: String
    @Option(help: "Component id or spec file (default: the stored version's component; required with --params).") var component: String?
    @Option(help: "Component spec file (for a spec's hybrid or, with --component feature-statistics, its statistics round).") var componentSpec: String?
    @Option(help: "Parameters file written by `twin train`.") var params: String?
    @Option(help: "Stored version (needs --store).") var version: String?
    @Option(help: "Model registry directory.") var store: String?
    @Option(help: "A release fetched with `fedtwin-site fetch` (its RELEASES/COMPONENT/CHANNEL directory).") var release: String?
    @Flag(help: "Evaluate on every batch, not only the held-out ones.") var all = false
    @Flag(help: "Machine-readable JSON.") var json = false

    func validate() throws {
        guard [params, version, release].compactMap({ $0 }).count == 1 else { throw ValidationError("give exactly one of --params, --version and --release") }
        if version != nil && store == nil { throw ValidationError("--version needs --store") }
        if params != nil && component == nil && componentSpec == nil { throw ValidationError("--params needs --component") }
    }

    func run() throws {
        var fetched: VerifiedRelease?
        if let release {
            do { fetched = try InstalledRelease.open(release).release } catch { throw CLIError("\(error)") }
        }
        let componentID: String?
        var specFile = componentSpec
        if let fetched {
            componentID = component ?? fetched.component.id
            if specFile == nil, fetched.specFile != nil { specFile = "\(release!)/component-spec.json" }
        } else if component != nil || componentSpec != nil {
            componentID = component
        } else {
            let options = try StoreOptions.parse(["--store", store!])
            let registry = try options.open()
            componentID = try options.withStoreErrors { try VersionText.resolve(version!, in: registry).manifest.component.id }
            // A declared component's spec file is in the store (by its hash): use exactly it.
            specFile = try options.withStoreErrors { try TwinCommand.storedSpecFile(registry) }
        }
        if fetched == nil, version != nil, let given = componentSpec, let store {
            // A spec file given with a stored version must be the one the store was made with.
            let options = try StoreOptions.parse(["--store", store])
            let storeHash = try options.withStoreErrors { try options.open().info().component.specHash }
            let bytes: Data
            do { bytes = try Data(contentsOf: URL(fileURLWithPath: given)) } catch { throw CLIError("\(given): cannot read the component spec: \(error)") }
            let hash = SHA256.hex([UInt8](bytes))
            guard storeHash == hash else {
                throw CLIError("\(given) (sha256 \(hash.prefix(16))…) is not the spec of \(store) (\(storeHash.map { "sha256 \($0.prefix(16))…" } ?? "a built-in component")); leave --component-spec out to use the store's own")
            }
        }
        let unscaled = try TwinCommand.component(componentID, specFile: specFile)
        let parameters: ParameterSet
        var used: String?
        if let fetched {
            guard fetched.component.id == unscaled.id else {
                throw CLIError("\(release!): the release is a \(fetched.component.id) model, not \(unscaled.id)")
            }
            do {
                parameters = try ParameterSet(wire: fetched.parameters, schema: unscaled.schema)
            } catch {
                throw CLIError("\(release!): version \(fetched.version): \(error)")
            }
            used = "version \(fetched.version) (\(fetched.versionID.prefix(12))), \(fetched.state), from \(release!)"
        } else if let params {
            do {
                parameters = try InputFile.decodeJSON(ParameterSet.self, from: URL(fileURLWithPath: params), what: "parameters file")
            } catch {
                throw CLIError("\(error)")
            }
        } else {
            parameters = try TwinCommand.stored(version!, store: store!, component: unscaled)
        }
        let dataset = try TwinCommand.dataset(data)
        let component = try TwinCommand.withLocalScaling(unscaled, dataset)
        let batches = all ? dataset.all : dataset.heldOut
        guard !batches.isEmpty else { throw CLIError("\(data): no \(all ? "" : "held-out ")batches to evaluate on (pass --all)") }
        let metrics: [String: Double]
        do {
            metrics = try component.evaluate(parameters, on: batches)
        } catch {
            throw CLIError("evaluating \(component.id) on \(data): \(error)")
        }
        if json {
            var object: [String: JSONValue] = ["component": .string(component.id), "data": .string(data), "batches": .int(batches.count),
                                               "on": .string(all ? "all" : "held-out"), "metrics": .encodable(metrics)]
            if let fetched {
                object["release"] = .object(["directory": .string(release!), "version": .int(fetched.version), "versionID": .string(fetched.versionID),
                                             "state": .string(fetched.state.description)])
            }
            try JSONValue.object(object).write()
        } else {
            if let used { print("using \(used)") }
            print("\(component.id) on \(batches.count) \(all ? "" : "held-out ")batches of \(data):")
            for (k, v) in metrics.sorted(by: { $0.key < $1.key }) { print("  \(k) = \(v)") }
        }
    }
}
