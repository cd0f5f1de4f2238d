import ArgumentParser
import Foundation
import TwinKit

/// `fedtwin experiment`: the evidence for federation. The default three-site scenario
/// trained three ways — each site alone, federated (real coordinator and site processes
/// over TCP), pooled — for the hybrid twin and the network-only baseline, plus the
/// mechanistic-only baseline, all scored on each site's own held-out batches.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Local vs federated vs pooled training on the default sites; hybrid vs network-only vs mechanistic-only.",
        discussion: """
            Simulates each site's batches from its profile, then for each component: trains every site alone \
            (rounds × epochs local epochs), runs a real federation (fedtwin-coordinator and one fedtwin-site per \
            site, spawned from the directory holding this executable, over TCP on 127.0.0.1) for the given rounds \
            with the given local epochs per round, and trains one model on all sites' training batches pooled. \
            Every model is evaluated open-loop on each site's own held-out batches (the split in its data.json). \
            All arms start from the same version-0 parameters. Use a release build (scripts/experiment.sh).
            """
    )

    @Option(help: "Site profile directories (comma-separated; default sites/site-a,sites/site-b,sites/site-c unless --data is given).")
    var sites: String?

    @Option(name: .customLong("data"), help: "A site's data config (data.json) of any data; repeat the option for several sites. Its own split gives the held-out batches.")
    var dataConfigs: [String] = []

    @Flag(help: "Print one JSON document (schema in docs/results.md) instead of the tables.")
    var json = false

    @Option(help: "Federated rounds.")
    var rounds: Int = 20

    @Option(help: "Local epochs per round (local and pooled training run rounds × epochs epochs).")
    var epochs: Int = 5

    @Option(help: "Minibatch size.")
    var batchSize: Int = 32

    @Option(help: "Learning rate.")
    var learningRate: Double = 0.005

    @Option(help: "Training seed (the coordinator offsets it by the round number).")
    var seed: UInt64 = 1

    @Option(help: "Seed of the initial parameters (fedtwin store init --seed).")
    var initialSeed: UInt64 = 1

    @Option(help: "Update encoding in the federation: f32, f16 or q8.")
    var updateEncoding: String = "f32"

    @Option(help: "A component spec file: compare its hybrid with the spec's mechanistic model at its initial values and a network-only baseline derived from it (docs/twin.md); sites from --sites (penicillin or mammalian profiles) or --data.")
    var componentSpec: String?

    @Option(help: "Seeds, comma-separated (each the training and initial-parameter seed; with --component-spec): tables show mean ± sd, --json one row per seed.")
    var seeds: String?

    @Option(help: "Components to compare (comma-separated): hybrid-bioreactor, network-only.")
    var components: String = "hybrid-bioreactor,network-only"

    @Option(help: "The site whose operating range lies outside the others' (default: detected from the profiles' temperature ranges).")
    var outOfRange: String?

    @Option(help: "Working directory (default: a new temporary directory; kept afterwards).")
    var work: String?

    @Option(help: "Directory holding fedtwin-coordinator and fedtwin-site (default: next to this executable).")
    var bin: String?

    @Option(help: "Seconds allowed per round (and for site evaluations) before the federation is abandoned.")
    var roundTimeout: Double = 300

    @Flag(help: "Have sites evaluate each version in the federation (slower; the final version's site evaluations are cross-checked).")
    var siteEvaluations = false

    func validate() throws {
        guard rounds >= 1, epochs >= 1, batchSize >= 1 else { throw ValidationError("--rounds, --epochs and --batch-size must be at least 1") }
        guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive") }
        guard ["f32", "f16", "q8"].contains(updateEncoding) else { throw ValidationError("--update-encoding must be f32, f16 or q8") }
    }

    struct Site {
        var name: String
        /// Nil for a site given by its data config.
        var profile: SiteProfile?
        var dataConfig: String
        var dataset: SiteDataset
        var truth: [BatchRecord]?
    }

    /// One row of the results: a model trained one way, scored on one site.
    struct Row: Sendable {
        var site: String
        var model: String
        var setting: String
        var score: Result<ExperimentModels.Score, CLIError>
    }

    func run() throws {
        if let componentSpec { return try runSpec(componentSpec) }
        if seeds != nil { throw ValidationError("--seeds needs --component-spec (use --seed)") }
        let clock = Date()
        let componentIDs = components.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        let twins = try componentIDs.map { try ExperimentModels.component($0) }
        let binURL = try binDirectory()
        let workURL = try workDirectory()

        // 1. Each site's data, simulated from its profile (as `fedtwin data simulate` does), with the truth kept aside.
        var loaded: [Site] = []
        let profiles = sites ?? (dataConfigs.isEmpty ? "sites/site-a,sites/site-b,sites/site-c" : "")
        for path in profiles.split(separator: ",").map(String.init) {
            let url = URL(fileURLWithPath: path).appendingPathComponent("profile.json")
            let profile: SiteProfile
            do { profile = try SiteProfile.load(from: url) } catch { throw CLIError("\(url.path): cannot load the site profile: \(error)") }
            let dir = workURL.appendingPathComponent("data").appendingPathComponent(profile.name)
            try SiteDataset.writeSimulated(profile, to: dir, writeTruth: true)
            let config = dir.appendingPathComponent("data.json")
            loaded.append(Site(name: profile.name, profile: profile, dataConfig: config.path,
                               dataset: try SiteDataset.load(configURL: config), truth: try SiteDataset.loadTruth(configURL: config)))
        }
        // 1b. Sites given by their data configs, read as a site worker reads them.
        for path in dataConfigs {
            let url = URL(fileURLWithPath: path)
            let dataset: SiteDataset
            do { dataset = try SiteDataset.load(configURL: url) } catch { throw CLIError("\(error)") }
            guard !dataset.heldOut.isEmpty, !dataset.training.isEmpty else {
                throw CLIError("\(path): needs training and held-out batches (heldOutFraction > 0 and at least 2 batches)")
            }
            var name = url.deletingLastPathComponent().lastPathComponent
            if name.isEmpty || loaded.contains(where: { $0.name == name }) { name = url.deletingPathExtension().lastPathComponent }
            guard !loaded.contains(where: { $0.name == name }) else { throw CLIError("\(path): two sites are named \(name)") }
            loaded.append(Site(name: name, profile: nil, dataConfig: url.path, dataset: dataset, truth: try? SiteDataset.loadTruth(configURL: url)))
        }
        guard !loaded.isEmpty else { throw CLIError("no sites: give --sites or --data") }
        let siteList = loaded
        var ranges: [String: ValueRange] = [:]
        for p in siteList.compactMap(\.profile) { ranges[p.name] = p.operating.temperature }
        let outlier = outOfRange ?? Self.outOfRangeSite(ranges)
        let totalEpochs = rounds * epochs
        let config = TrainingConfig(epochs: totalEpochs, batchSize: batchSize, learningRate: learningRate, seed: seed)

        // With --json the human-readable report goes to stderr; stdout holds the document only.
        let print: (String) -> Void = json ? { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } : { Swift.print($0) }
        print("fedtwin experiment")
        print("command: \(CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " "))")
        print("work directory: \(workURL.path)")
        print("executables: \(binURL.path)")
        print("settings: federated \(rounds) rounds × \(epochs) local epochs (FedAvg, sample-weighted, updates \(updateEncoding)); local and pooled \(totalEpochs) epochs; batch size \(batchSize), learning rate \(learningRate), training seed \(seed), initial parameters seed \(initialSeed)")
        for s in siteList {
            print("  \(s.name): \(s.dataset.training.count) training / \(s.dataset.heldOut.count) held-out batches (split seed \(s.dataset.config.splitSeed), \(s.dataset.split.fingerprintDescription))\(s.profile.map { "; T \($0.operating.temperature.low)–\($0.operating.temperature.high) °C" } ?? "; from \(s.dataConfig)")\(s.name == outlier ? " (out of range)" : "")")
        }
        print("")

        var rows: [Row] = []
        var timings: [String] = []
        var crossChecks: [String] = []
        let federation = ExperimentFederation(
            bin: binURL, work: workURL, sites: siteList.map { ($0.name, $0.dataConfig) }, rounds: rounds, epochs: epochs,
            batchSize: batchSize, learningRate: learningRate, trainingSeed: seed, initialSeed: initialSeed,
            updateEncoding: updateEncoding, evaluate: siteEvaluations, timeoutSeconds: roundTimeout)
        try federation.makeKeys()

        for (id, twin) in zip(componentIDs, twins) {
            // 2. Federated: real processes over TCP.
            let name = Self.modelName(id)
            Self.progress("\(name): federation, \(rounds) rounds × \(epochs) epochs, coordinator + \(siteList.count) site processes …")
            let outcome = try federation.run(componentID: id, schema: twin.schema)
            timings.append("\(name) federated: \(Self.seconds(outcome.seconds)) (\(rounds) rounds, wall clock incl. process start-up)")
            Self.progress("\(name): federation done in \(Self.seconds(outcome.seconds)); store \(outcome.store)")

            // 3. Local (each site alone) and pooled, from the same version-0 parameters.
            let started = Date()
            let initial = outcome.initial
            let pooledTraining = siteList.flatMap(\.dataset.training)
            let jobs: [[BatchRecord]] = siteList.map(\.dataset.training) + [pooledTraining]
            Self.progress("\(name): local (\(siteList.count) sites) and pooled training, \(totalEpochs) epochs each …")
            let trained = ExperimentModels.parallel(jobs.count) { i -> Result<ParameterSet, CLIError> in
                do {
                    return .success(try twin.train(from: initial, on: jobs[i], config: config).parameters)
                } catch {
                    return .failure(CLIError("\(error)"))
                }
            }
            timings.append("\(name) local + pooled training: \(Self.seconds(Date().timeIntervalSince(started))) (in process, \(jobs.count) trainings on all cores)")

            // 4. Every model on every site's held-out batches.
            var tasks: [(site: Int, setting: String, parameters: Result<ParameterSet, CLIError>)] = []
            for (i, _) in siteList.enumerated() {
                tasks.append((i, "local", trained[i]))
                tasks.append((i, "federated", .success(outcome.final)))
                tasks.append((i, "pooled", trained[siteList.count]))
            }
            let evaluated = Self.evaluate(tasks.map { ($0.site, $0.parameters.map { ExperimentModels.model(id, $0) }) }, sites: siteList)
            for (task, score) in zip(tasks, evaluated) {
                rows.append(Row(site: siteList[task.site].name, model: name, setting: task.setting, score: score))
            }
            // Cross-check: the sites' own evaluation of the final version (f32 parameters, same harness).
            for (i, s) in siteList.enumerated() {
                guard let reported = outcome.siteEvaluations[s.name]?["rmse_P"], case .success(let mine) = evaluated[3 * i + 1] else { continue }
                crossChecks.append("\(name) \(s.name): site reported rmse_P \(Self.number(reported)), experiment \(Self.number(mine.assays.rmseProduct))")
            }
        }
        // 5. Mechanistic-only: nothing to train.
        let mechanistic = Self.evaluate(siteList.indices.map { ($0, .success(.mechanistic)) }, sites: siteList)
        for (i, s) in siteList.enumerated() { rows.append(Row(site: s.name, model: "mechanistic", setting: "—", score: mechanistic[i])) }

        if json {
            try Self.document(rows, seed: seed, sites: siteList).write()
        }
        print(Self.resultsTable(rows, sites: siteList))
        print("")
        print(Self.targetsTable(rows, sites: siteList, outlier: outlier))
        print("")
        print("timings (\(ProcessInfo.processInfo.activeProcessorCount) cores):")
        for t in timings { print("  \(t)") }
        print("  total: \(Self.seconds(Date().timeIntervalSince(clock)))")
        if !crossChecks.isEmpty {
            print("sites' own evaluation of the final federated version (rmse_P, g/L):")
            for c in crossChecks { print("  \(c)") }
        }
    }

    // MARK: - evaluation

    static func evaluate(_ tasks: [(site: Int, model: Result<ExperimentModels.Model, CLIError>)], sites: [Site]) -> [Result<ExperimentModels.Score, CLIError>] {
        ExperimentModels.parallel(tasks.count) { i in
            let site = sites[tasks[i].site]
            switch tasks[i].model {
            case .failure(let error): return .failure(CLIError("training failed: \(error)"))
            case .success(let model):
                do {
                    return .success(try ExperimentModels.score(model, heldOut: site.dataset.heldOut, truth: site.truth))
                } catch {
                    return .failure(CLIError("evaluation failed: \(error)"))
                }
            }
        }
    }

    // MARK: - tables

    /// The `--json` document (docs/results.md): one result per (site, model, training).
    static func document(_ rows: [Row], seed: UInt64, sites: [Site]) -> JSONValue {
        func value(_ x: Double) -> JSONValue { x.isFinite ? .number(x) : .null }
        let results: [JSONValue] = rows.map { r in
            var o: [String: JSONValue] = ["site": .string(r.site), "model": .string(r.model),
                                          "training": .string(r.setting == "—" ? "none" : r.setting), "seed": .int(Int(seed))]
            switch r.score {
            case .success(let score):
                let m = score.assays
                o["titre_rmse"] = value(m.finalTitreRMSE)
                o["titre_bias"] = value(m.finalTitreBias)
                o["rmse"] = .object(["biomass": value(m.rmseBiomass), "substrate": value(m.rmseSubstrate), "product": value(m.rmseProduct)])
                o["truth_titre_rmse"] = score.truth.map { value($0.finalTitreRMSE) } ?? .null
                o["error"] = .null
            case .failure(let error):
                o["titre_rmse"] = .null
                o["rmse"] = .object([:])
                o["error"] = .string(error.description)
            }
            return .object(o)
        }
        let siteObjects: [JSONValue] = sites.map { s in
            .object(["site": .string(s.name), "data": .string(s.dataConfig), "training_batches": .int(s.dataset.training.count),
                     "held_out_batches": .int(s.dataset.heldOut.count), "split": .string(s.dataset.split.fingerprintDescription)])
        }
        return .object(["schema": .string("fedtwin-experiment/1"), "sites": .array(siteObjects), "results": .array(results)])
    }

    static func resultsTable(_ rows: [Row], sites: [Site]) -> String {
        var table = TextTable(["site", "model", "training", "RMSE P", "RMSE X", "RMSE S", "titre RMSE", "titre bias", "titre RMSE vs truth"],
                              numeric: [3, 4, 5, 6, 7, 8])
        for s in sites {
            for r in rows where r.site == s.name {
                switch r.score {
                case .success(let score):
                    let m = score.assays
                    table.add([r.site, r.model, r.setting, number(m.rmseProduct), number(m.rmseBiomass), number(m.rmseSubstrate),
                               number(m.finalTitreRMSE), signed(m.finalTitreBias), score.truth.map { number($0.finalTitreRMSE) } ?? "—"])
                case .failure(let error):
                    table.add([r.site, r.model, r.setting, "failed: \(error)"])
                }
            }
        }
        return "held-out results (g/L; each site's own held-out batches, open-loop from the initial state and logged inputs;\n"
            + "RMSEs against the offline assays, titre = simulated P at the last row vs the last P assay; last column against the simulator's noise-free truth)\n"
            + table.render()
    }

    static func titre(_ rows: [Row], site: String, model: String, setting: String, truth: Bool = false) -> Double? {
        guard let row = rows.first(where: { $0.site == site && $0.model == model && $0.setting == setting }),
              case .success(let score) = row.score else { return nil }
        return truth ? score.truth?.finalTitreRMSE : score.assays.finalTitreRMSE
    }

    static func targetsTable(_ rows: [Row], sites: [Site], outlier: String?) -> String {
        func ratio(_ a: Double?, _ b: Double?) -> Double? {
            guard let a, let b, b > 0, a.isFinite, b.isFinite else { return nil }
            return a / b
        }
        func cell(_ r: Double?, _ target: Double, _ truth: Double?) -> String {
            guard let r else { return "—" }
            return String(format: "%.2f %@", r, r <= target ? "met" : "MISSED") + (truth.map { String(format: " (%.2f)", $0) } ?? "")
        }
        let hybrid = modelName("hybrid-bioreactor"), network = modelName("network-only")
        var table = TextTable(["site", "hybrid fed/local ≤ 0.8", "hybrid fed/pooled ≤ 1.1", "fed hybrid/network-only ≤ 0.7", "local h/n", "pooled h/n"])
        for s in sites {
            let n = s.name
            let fl = ratio(titre(rows, site: n, model: hybrid, setting: "federated"), titre(rows, site: n, model: hybrid, setting: "local"))
            let flT = ratio(titre(rows, site: n, model: hybrid, setting: "federated", truth: true), titre(rows, site: n, model: hybrid, setting: "local", truth: true))
            let fp = ratio(titre(rows, site: n, model: hybrid, setting: "federated"), titre(rows, site: n, model: hybrid, setting: "pooled"))
            let fpT = ratio(titre(rows, site: n, model: hybrid, setting: "federated", truth: true), titre(rows, site: n, model: hybrid, setting: "pooled", truth: true))
            func hn(_ setting: String, truth: Bool = false) -> Double? {
                ratio(titre(rows, site: n, model: hybrid, setting: setting, truth: truth), titre(rows, site: n, model: network, setting: setting, truth: truth))
            }
            let mark = n == outlier ? " (out of range)" : ""
            table.add([n + mark, cell(fl, 0.8, flT), cell(fp, 1.1, fpT),
                       n == outlier ? cell(hn("federated"), 0.7, hn("federated", truth: true)) : hn("federated").map { String(format: "%.2f", $0) } ?? "—",
                       hn("local").map { String(format: "%.2f", $0) } ?? "—", hn("pooled").map { String(format: "%.2f", $0) } ?? "—"])
        }
        return "targets (ratios of final-titre RMSE against the assays; in brackets the same ratio against the simulator's truth;\n"
            + "the hybrid/network-only target applies to the out-of-range site)\n" + table.render()
    }

    static func modelName(_ id: String) -> String { id == "hybrid-bioreactor" ? "hybrid" : id }
    static func number(_ x: Double) -> String { x.isFinite ? String(format: "%.4f", x) : "—" }
    static func signed(_ x: Double) -> String { x.isFinite ? String(format: "%+.4f", x) : "—" }
    static func seconds(_ s: Double) -> String { String(format: "%.1f s", s) }
    static let started = Date()
    static func progress(_ text: String) {
        FileHandle.standardError.write(Data((String(format: "[%6.1f s] ", Date().timeIntervalSince(started)) + text + "\n").utf8))
    }

    // MARK: - paths

    func binDirectory() throws -> URL {
        let dir: URL
        if let bin {
            dir = URL(fileURLWithPath: bin)
        } else {
            let exe = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
            dir = exe.resolvingSymlinksInPath().deletingLastPathComponent()
        }
        for tool in ["fedtwin", "fedtwin-coordinator", "fedtwin-site"] {
            guard FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent(tool).path) else {
                throw CLIError("\(dir.path)/\(tool) not found: build all executables (swift build -c release) or pass --bin")
            }
        }
        return dir
    }

    func workDirectory() throws -> URL {
        if let work {
            let url = URL(fileURLWithPath: work)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            guard (try FileManager.default.contentsOfDirectory(atPath: url.path)).isEmpty else {
                throw CLIError("\(work): working directory must be empty (keys and stores are created there)")
            }
            return url
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fedtwin-experiment-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
