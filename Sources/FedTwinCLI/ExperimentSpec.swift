import Foundation
import TwinKit

/// `fedtwin experiment --component-spec SPEC`: the declared hybrid against its
/// mechanistic-nominal and network-only baselines, local / federated / pooled, over seeds.
extension ExperimentCommand {
    /// One (site, model, training, seed) result of a spec experiment.
    struct SpecRow: Sendable {
        var site: String
        var model: String
        var training: String
        var seed: UInt64
        var metrics: Result<[String: Double], CLIError>
        /// Parameters at a bound ("name (lower bound 0.01)"), for trained arms.
        var flagged: [String]
    }

    /// The seeds to run: `--seeds` (comma-separated), else `--seed`.
    func seedList() throws -> [UInt64] {
        guard let seeds else { return [seed] }
        let list = try seeds.split(separator: ",").map { text -> UInt64 in
            guard let s = UInt64(text.trimmingCharacters(in: .whitespaces)) else { throw CLIError("--seeds \(seeds): '\(text)' is not a seed") }
            return s
        }
        guard !list.isEmpty, Set(list).count == list.count else { throw CLIError("--seeds \(seeds): give distinct seeds") }
        return list
    }

    func runSpec(_ specPath: String) throws {
        let clock = Date()
        let seedValues = try seedList()
        let hybrid: SpecHybridComponent
        do { hybrid = try SpecHybridComponent(specFile: URL(fileURLWithPath: specPath)) } catch { throw CLIError("\(error)") }
        let binURL = try binDirectory()
        let workURL = try workDirectory()
        // The derived network-only baseline, written as a spec file so sites can load it.
        let networkSpecURL = workURL.appendingPathComponent("network-only.spec.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(hybrid.spec.networkOnlyBaseline()).write(to: networkSpecURL)
        let network: SpecHybridComponent
        do { network = try SpecHybridComponent(specFile: networkSpecURL) } catch { throw CLIError("derived network-only spec: \(error)") }

        // Sites: simulator profiles of either process, then data configs.
        var loaded: [Site] = []
        var temperatures: [String: ValueRange] = [:]
        let profiles = sites ?? ""
        for path in profiles.split(separator: ",").map(String.init) {
            let url = URL(fileURLWithPath: path).appendingPathComponent("profile.json")
            let profile: SimulatorProfile
            do { profile = try SimulatorProfile.load(from: url) } catch { throw CLIError("\(url.path): cannot load the site profile: \(error)") }
            let dir = workURL.appendingPathComponent("data").appendingPathComponent(profile.name)
            try profile.writeSimulated(to: dir)
            let config = dir.appendingPathComponent("data.json")
            loaded.append(Site(name: profile.name, profile: nil, dataConfig: config.path, dataset: try SiteDataset.load(configURL: config), truth: nil))
            switch profile {
            case .penicillin(let p): temperatures[p.name] = p.operating.temperature
            case .mammalian(let p): temperatures[p.name] = p.operating.temperature
            }
        }
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
            loaded.append(Site(name: name, profile: nil, dataConfig: url.path, dataset: dataset, truth: nil))
        }
        guard !loaded.isEmpty else { throw CLIError("no sites: give --sites or --data") }
        let siteList = loaded
        let outlier = outOfRange ?? Self.outOfRangeSite(temperatures)
        let totalEpochs = rounds * epochs

        let print: (String) -> Void = json ? { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } : { Swift.print($0) }
        print("fedtwin experiment --component-spec \(specPath) (component \(hybrid.id), spec sha256 \(hybrid.specHash.prefix(12)))")
        print("command: \(CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " "))")
        print("work directory: \(workURL.path)")
        print("settings: federated \(rounds) rounds × \(epochs) local epochs (FedAvg, updates \(updateEncoding)); local and pooled \(totalEpochs) epochs; batch size \(batchSize), learning rate \(learningRate) (the spec's training.learningRate overrides it); seeds \(seedValues.map(String.init).joined(separator: ",")) (each the training and initial-parameter seed)")
        print("network-only: derived from the spec (every rate learned, \(network.spec.parameters.count) balance parameters kept), \(networkSpecURL.path)")
        for s in siteList {
            let t = temperatures[s.name].map { "; T \($0.low)–\($0.high) °C" } ?? "; from \(s.dataConfig)"
            print("  \(s.name): \(s.dataset.training.count) training / \(s.dataset.heldOut.count) held-out batches\(t)\(s.name == outlier ? " (out of range)" : "")")
        }
        print("")

        // Scalings: each site's own training batches (local arms), the pooled training batches
        // (pooled arm), and the consortium's from the statistics round (federated arm).
        func scaled(_ c: SpecHybridComponent, _ batches: [BatchRecord]) throws -> SpecHybridComponent {
            do { return try c.withScaling(try c.localScaling(batches)) } catch { throw CLIError("scaling \(c.id): \(error)") }
        }
        let pooledTraining = siteList.flatMap(\.dataset.training)
        var rows: [SpecRow] = []
        var timings: [String] = []

        // The consortium's scaling: one statistics round over the real processes (counts, Σx,
        // Σx² of every network input and observed variable; no raw value leaves a site),
        // written into copies of both specs, which the federations and the federated arm use.
        Self.progress("statistics round (feature-statistics, 1 round) …")
        let statistics = ExperimentFederation(
            bin: binURL, work: workURL.appendingPathComponent("statistics"), sites: siteList.map { ($0.name, $0.dataConfig) },
            rounds: 1, epochs: 1, batchSize: batchSize, learningRate: learningRate, trainingSeed: 1, initialSeed: 1,
            updateEncoding: "f32", evaluate: false, timeoutSeconds: roundTimeout)
        try statistics.makeKeys()
        let statisticsComponent = FeatureStatisticsComponent(target: hybrid)
        let statisticsOutcome = try statistics.run(componentID: statisticsComponent.id, schema: statisticsComponent.schema,
                                                   specFile: specPath, statisticsRound: true)
        timings.append("statistics round: \(Self.seconds(statisticsOutcome.seconds))")
        let consortium: FeatureScaling
        do { consortium = try statisticsComponent.scaling(statisticsOutcome.final) } catch { throw CLIError("statistics round: \(error)") }
        func consortiumScaled(_ c: SpecHybridComponent, _ name: String) throws -> (SpecHybridComponent, String) {
            var spec = c.spec
            spec.scaling = consortium
            let url = workURL.appendingPathComponent("\(name).consortium-scaling.spec.json")
            try TwinScale.encode(spec).write(to: url)
            do { return (try SpecHybridComponent(specFile: url), url.path) } catch { throw CLIError("\(url.path): \(error)") }
        }
        let (hybridFederated, hybridFederatedSpec) = try consortiumScaled(hybrid, "hybrid")
        let (networkFederated, networkFederatedSpec) = try consortiumScaled(network, "network-only")
        print("consortium scaling: \(consortium.names.count) features from the statistics round (\(statisticsOutcome.store)), in \(hybridFederatedSpec) and \(networkFederatedSpec)")

        for s in seedValues {
            let federation = ExperimentFederation(
                bin: binURL, work: workURL.appendingPathComponent("seed-\(s)"), sites: siteList.map { ($0.name, $0.dataConfig) },
                rounds: rounds, epochs: epochs, batchSize: batchSize, learningRate: learningRate, trainingSeed: s, initialSeed: s,
                updateEncoding: updateEncoding, evaluate: siteEvaluations, timeoutSeconds: roundTimeout)
            try federation.makeKeys()
            let config = TrainingConfig(epochs: totalEpochs, batchSize: batchSize, learningRate: learningRate, seed: s)
            var initialHybrid: ParameterSet?
            for (name, component, federatedComponent, file) in [("hybrid", hybrid, hybridFederated, hybridFederatedSpec),
                                                                  ("network-only", network, networkFederated, networkFederatedSpec)] {
                Self.progress("seed \(s) \(name): federation, \(rounds) rounds × \(epochs) epochs …")
                let outcome = try federation.run(componentID: component.id, schema: component.schema, specFile: file)
                timings.append("seed \(s) \(name) federated: \(Self.seconds(outcome.seconds))")
                if name == "hybrid" { initialHybrid = outcome.initial }
                let local = try siteList.map { try scaled(component, $0.dataset.training) }
                let pooled = try scaled(component, pooledTraining)
                let trainers = local + [pooled]
                let jobs = siteList.map(\.dataset.training) + [pooledTraining]
                let started = Date()
                Self.progress("seed \(s) \(name): local (\(siteList.count) sites) and pooled training, \(totalEpochs) epochs each …")
                let trained = ExperimentModels.parallel(jobs.count) { i -> Result<ParameterSet, CLIError> in
                    do { return .success(try trainers[i].train(from: outcome.initial, on: jobs[i], config: config).parameters) } catch {
                        return .failure(CLIError("training failed: \(error)"))
                    }
                }
                timings.append("seed \(s) \(name) local + pooled: \(Self.seconds(Date().timeIntervalSince(started)))")
                var tasks: [(site: Int, training: String, component: SpecHybridComponent, parameters: Result<ParameterSet, CLIError>)] = []
                for i in siteList.indices {
                    tasks.append((i, "local", local[i], trained[i]))
                    tasks.append((i, "federated", federatedComponent, .success(outcome.final)))
                    tasks.append((i, "pooled", pooled, trained[siteList.count]))
                }
                let scores = Self.scoreSpec(tasks.map { ($0.component, $0.parameters, siteList[$0.site].dataset.heldOut) })
                for (t, score) in zip(tasks, scores) {
                    let flagged = (try? t.parameters.get()).flatMap { p in (try? t.component.theta(p)).map { t.component.parametersAtBound($0) } } ?? []
                    rows.append(SpecRow(site: siteList[t.site].name, model: name, training: t.training, seed: s, metrics: score,
                                        flagged: flagged.map { "\($0.name) (\($0.bound))" }))
                }
            }
            // Mechanistic: the spec's initial values, network output zero (the declared laws), untrained.
            let nominal = initialHybrid ?? hybrid.initialParameters(seed: s)
            let mechanistic = Self.scoreSpec(try siteList.map { (try scaled(hybrid, $0.dataset.training), .success(nominal), $0.dataset.heldOut) })
            for (i, score) in mechanistic.enumerated() {
                rows.append(SpecRow(site: siteList[i].name, model: "mechanistic", training: "none", seed: s, metrics: score, flagged: []))
            }
        }
        if json { try Self.specDocument(rows, spec: hybrid, specPath: specPath, sites: siteList).write() }
        print(Self.specResultsTable(rows, spec: hybrid.spec, sites: siteList))
        print("")
        print(Self.specTargetsTable(rows, sites: siteList, outlier: outlier))
        print("")
        print("timings (\(ProcessInfo.processInfo.activeProcessorCount) cores):")
        for t in timings { print("  \(t)") }
        print("  total: \(Self.seconds(Date().timeIntervalSince(clock)))")
    }

    /// Open-loop held-out metrics (``SpecHybridComponent/metrics(simulated:records:prefix:)``) of each task, on all cores.
    static func scoreSpec(_ tasks: [(SpecHybridComponent, Result<ParameterSet, CLIError>, [BatchRecord])]) -> [Result<[String: Double], CLIError>] {
        ExperimentModels.parallel(tasks.count) { i in
            let (component, parameters, heldOut) = tasks[i]
            switch parameters {
            case .failure(let error): return .failure(error)
            case .success(let p):
                do {
                    return .success(component.metrics(simulated: try component.simulate(p, heldOut, scaling: component.scaling), records: heldOut))
                } catch {
                    return .failure(CLIError("evaluation failed: \(error)"))
                }
            }
        }
    }

    /// The `--json` document of a spec experiment: one result per (site, model, training, seed).
    static func specDocument(_ rows: [SpecRow], spec: SpecHybridComponent, specPath: String, sites: [Site]) -> JSONValue {
        func value(_ x: Double?) -> JSONValue { x.map { $0.isFinite ? .number($0) : .null } ?? .null }
        let results: [JSONValue] = rows.map { r in
            var o: [String: JSONValue] = ["site": .string(r.site), "model": .string(r.model), "training": .string(r.training),
                                          "seed": .int(Int(r.seed)), "flagged": .array(r.flagged.map { .string($0) })]
            switch r.metrics {
            case .success(let m):
                o["titre_rmse"] = value(m["titre_rmse"])
                o["titre_bias"] = value(m["final_titre_bias"])
                var rmse: [String: JSONValue] = [:]
                for obs in spec.spec.observations { rmse[obs.variable ?? obs.state] = value(m[SpecHybridComponent.rmseKey(obs.state)]) }
                o["rmse"] = .object(rmse)
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
        return .object(["schema": .string("fedtwin-experiment/1"), "component_spec": .string(specPath), "component": .string(spec.id),
                        "titre": spec.titreState.map { .string($0) } ?? .null, "sites": .array(siteObjects), "results": .array(results)])
    }

    /// Mean and sample standard deviation (0 for one value) of the finite values.
    static func meanSD(_ values: [Double]) -> (mean: Double, sd: Double, n: Int)? {
        let v = values.filter(\.isFinite)
        guard !v.isEmpty else { return nil }
        let m = v.reduce(0, +) / Double(v.count)
        let sd = v.count > 1 ? (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot() : 0
        return (m, sd, v.count)
    }

    static func specValues(_ rows: [SpecRow], site: String, model: String, training: String, key: String) -> [Double] {
        rows.filter { $0.site == site && $0.model == model && $0.training == training }.compactMap { try? $0.metrics.get()[key] }
    }

    static func specResultsTable(_ rows: [SpecRow], spec: TwinSpec, sites: [Site]) -> String {
        let keys = spec.observations.map { (label: $0.variable ?? $0.state, key: SpecHybridComponent.rmseKey($0.state)) }
        var table = TextTable(["site", "model", "training", "titre RMSE"] + keys.map { "RMSE \($0.label)" }, numeric: Set(3..<(4 + keys.count)))
        func cell(_ v: [Double]) -> String {
            guard let s = meanSD(v) else { return "—" }
            return String(format: "%.4g ± %.2g", s.mean, s.sd)
        }
        for s in sites {
            for (model, trainings) in [("hybrid", ["local", "federated", "pooled"]), ("network-only", ["local", "federated", "pooled"]), ("mechanistic", ["none"])] {
                for t in trainings {
                    let these = rows.filter { $0.site == s.name && $0.model == model && $0.training == t }
                    guard !these.isEmpty else { continue }
                    let failures = these.compactMap { r -> String? in if case .failure(let e) = r.metrics { return e.description } else { return nil } }
                    if failures.count == these.count { table.add([s.name, model, t, "failed: \(failures[0])"]); continue }
                    table.add([s.name, model, t, cell(specValues(rows, site: s.name, model: model, training: t, key: "titre_rmse"))]
                              + keys.map { cell(specValues(rows, site: s.name, model: model, training: t, key: $0.key)) })
                }
            }
        }
        let seeds = Set(rows.map(\.seed)).count
        return "held-out results (mean ± sample sd over \(seeds) seed\(seeds == 1 ? "" : "s"); each site's own held-out batches, open-loop from the initial state and logged inputs;\n"
            + "RMSEs against the assays in the spec's units; titre = simulated titre state at the last row vs its last assay)\n" + table.render()
    }

    static func specTargetsTable(_ rows: [SpecRow], sites: [Site], outlier: String?) -> String {
        func mean(_ site: String, _ model: String, _ training: String) -> Double? {
            meanSD(specValues(rows, site: site, model: model, training: training, key: "titre_rmse"))?.mean
        }
        var table = TextTable(["site", "hybrid local < mech", "hybrid fed < mech", "hybrid pooled < mech", "fed hybrid/network-only ≤ 0.7"])
        for s in sites {
            let mech = mean(s.name, "mechanistic", "none")
            func beats(_ t: String) -> String {
                guard let h = mean(s.name, "hybrid", t), let mech else { return "—" }
                return String(format: "%.3g vs %.3g %@", h, mech, h < mech ? "met" : "MISSED")
            }
            var ratio = "—"
            if let h = mean(s.name, "hybrid", "federated"), let n = mean(s.name, "network-only", "federated"), n > 0 {
                ratio = String(format: "%.2f", h / n) + (s.name == outlier ? (h / n <= 0.7 ? " met" : " MISSED") : "")
            }
            table.add([s.name + (s.name == outlier ? " (out of range)" : ""), beats("local"), beats("federated"), beats("pooled"), ratio])
        }
        var out = "targets (mean final-titre RMSE over seeds; the hybrid/network-only target applies to the out-of-range site\(outlier == nil ? ", none detected: give --out-of-range" : ""))\n" + table.render()
        let flagged = rows.filter { !$0.flagged.isEmpty }
        out += "\nparameters at a bound (flagged):"
        if flagged.isEmpty { out += " none" }
        for r in flagged { out += "\n  \(r.model) \(r.training) on \(r.site), seed \(r.seed): \(r.flagged.joined(separator: ", "))" }
        return out
    }

    /// The one site whose temperature range is disjoint from every other site's, if any.
    static func outOfRangeSite(_ ranges: [String: ValueRange]) -> String? {
        let outside = ranges.filter { name, p in
            ranges.allSatisfy { other, q in other == name || p.low > q.high || p.high < q.low }
        }
        return outside.count == 1 ? outside.first!.key : nil
    }
}
