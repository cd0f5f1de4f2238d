import Foundation
import Testing
@testable import TwinKit

/// Runs CPU-heavy synchronous work (a training) on a GCD thread and returns its result, so
/// it does not hold one of the cooperative pool's threads (two on this machine) for
/// seconds and starve every async test meanwhile (FrameServerTests' 300 ms read timeout
/// measured 3–4 s). Expectations stay in the test's own task, where they are attributed.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
        DispatchQueue.global().async {
            do { c.resume(returning: try body()) } catch { c.resume(throwing: error) }
        }
    }
}

@Suite("Spec hybrid component", .serialized)
struct SpecHybridComponentTests {
    /// A strain far from the PenSim prior: growth ×1.8, production ×0.5.
    static let strain = KineticMultipliers(growth: 1.8, production: 0.5)

    /// Small noise-free penicillin site (60 h batches, logged every 0.5 h, assays every 4 h).
    static let records: [BatchRecord] = HybridTests.site(strain: strain, noiseFree: true, batches: 5, seed: 7).simulate().map(\.record)
    static var training: [BatchRecord] { Array(records.prefix(3)) }
    static var heldOut: [BatchRecord] { Array(records.suffix(2)) }

    static func penicillin() throws -> (TwinSpec, String) { try TwinSpec.load(TwinSpecTests.penicillinURL) }

    /// The penicillin spec without corrections (and so without a network): every rate is its
    /// law, so the kinetic parameters are identifiable from the data.
    /// With `free`, every other parameter is fixed at its (true) initial value by bounds
    /// min = max, and the prior is weak: that checks the fit finds the data's values. (All
    /// eleven constants are not identifiable from three 60 h batches: freed together with no
    /// prior, yields and saturation constants trade off against the maxima.)
    static func mechanisticPenicillin(free: Set<String>? = nil) throws -> SpecHybridComponent {
        var (spec, hash) = try penicillin()
        for i in spec.rates.indices { spec.rates[i].correction = nil }
        spec.network.inputs = []
        if let free {
            for i in spec.parameters.indices where !free.contains(spec.parameters[i].name) {
                spec.parameters[i].min = spec.parameters[i].initial
                spec.parameters[i].max = spec.parameters[i].initial
            }
            spec.training?.priorStrength = 1e-6
        }
        return try SpecHybridComponent(spec: spec, specHash: hash)
    }

    static let config = TrainingConfig(epochs: 80, batchSize: 3, learningRate: 0.03, seed: 11)

    @Test("schema: mech.<group> tensors of log parameters in spec order, then net.*; initial parameters are the spec's initial values")
    func schema() throws {
        let (spec, hash) = try Self.penicillin()
        let c = try SpecHybridComponent(spec: spec, specHash: hash)
        #expect(c.id == "hybrid-penicillin")
        #expect(c.schema.names.prefix(4) == ["mech.kinetics", "mech.stoichiometry", "mech.vessel", "net.layer0.weight"])
        #expect(c.schema.tensors[0].shape == [6])
        let p = c.initialParameters(seed: 1)
        #expect(p == c.initialParameters(seed: 1))
        #expect(p != c.initialParameters(seed: 2))
        #expect(try p.tensor(named: "mech.kinetics").values[0] == Foundation.log(0.092))
        #expect(try p.tensor(named: "net.layer1.weight").values.allSatisfy { $0 == 0 })
        let values = try c.parameterValues(p)
        #expect(abs(values["Y_xs"]! - 0.45) < 1e-12)
        #expect(try c.theta(try c.parameterSet(theta: try c.theta(p))) == (try c.theta(p)))
        #expect(c.scalingFeatureNames == ["biomass", "log:substrate", "product", "temperature", "pH", "substrate"])
    }

    @Test("known-parameter recovery: growth ×1.8 and production ×0.5 are recovered within 3 %; with every constant free and the default prior, training beats nominal on held-out batches")
    func recovery() async throws {
        let muTrue = 0.092 * 1.8, piTrue = 0.005 * 0.5
        let c = try Self.mechanisticPenicillin(free: ["mu_max", "pi_max"])
        let result = try await offPool { try c.train(from: c.initialParameters(seed: 0), on: Self.training, config: Self.config) }
        let values = try c.parameterValues(result.parameters)
        #expect(abs(values["mu_max"]! / muTrue - 1) < 0.03, "mu_max \(values["mu_max"]!) vs \(muTrue)")
        #expect(abs(values["pi_max"]! / piTrue - 1) < 0.03, "pi_max \(values["pi_max"]!) vs \(piTrue)")
        #expect(result.metrics["train_loss"]! < 0.01 * result.metrics["train_loss_initial"]!)

        let all = try Self.mechanisticPenicillin()
        let m = try await offPool {
            try all.evaluate(try all.train(from: all.initialParameters(seed: 0), on: Self.training, config: Self.config).parameters, on: Self.heldOut)
        }
        for key in ["rmse_X", "rmse_S", "rmse_P", "final_titre_rmse"] {
            #expect(m[key]! < 0.5 * m["nominal_" + key]!, "\(key): trained \(m[key]!) vs nominal \(m["nominal_" + key]!)")
        }
        #expect(m["titre_rmse"] == m["final_titre_rmse"])
        #expect(m["batches"] == 2)
        print("recovery figures:", values["mu_max"]!, values["pi_max"]!, m.sorted { $0.key < $1.key })
    }

    @Test("training is deterministic given the seed")
    func determinism() async throws {
        let (spec, hash) = try Self.penicillin()
        let c = try SpecHybridComponent(spec: spec, specHash: hash)
        let config = TrainingConfig(epochs: 2, batchSize: 2, learningRate: 0.02, seed: 5)
        let a = try await offPool { try c.train(from: c.initialParameters(seed: 3), on: Array(Self.training.prefix(2)), config: config) }
        let b = try await offPool { try c.train(from: c.initialParameters(seed: 3), on: Array(Self.training.prefix(2)), config: config) }
        #expect(a.parameters == b.parameters)
        #expect(a.metrics == b.metrics)
        // The seed orders the minibatches: with one batch per step, another seed gives another fit.
        var one = config
        one.batchSize = 1
        let oneSeed5 = one
        let e = try await offPool { try c.train(from: c.initialParameters(seed: 3), on: Array(Self.training.prefix(2)), config: oneSeed5) }
        let e2 = try await offPool { try c.train(from: c.initialParameters(seed: 3), on: Array(Self.training.prefix(2)), config: oneSeed5) }
        #expect(e.parameters == e2.parameters)
        one.seed = 6
        let oneSeed6 = one
        let d = try await offPool { try c.train(from: c.initialParameters(seed: 3), on: Array(Self.training.prefix(2)), config: oneSeed6) }
        #expect(d.parameters != e.parameters)
    }

    @Test("a parameter driven to its bound is counted and named in the warnings")
    func atBound() async throws {
        var (spec, hash) = try Self.penicillin()
        for i in spec.rates.indices { spec.rates[i].correction = nil }
        spec.network.inputs = []
        spec.training?.method = .rates
        let mu = try #require(spec.parameters.firstIndex { $0.name == "mu_max" })
        spec.parameters[mu].max = 0.1   // the strain's 0.166 1/h lies beyond it
        let c = try SpecHybridComponent(spec: spec, specHash: hash)
        let result = try await offPool { try c.train(from: c.initialParameters(seed: 0), on: Self.training, config: Self.config) }
        #expect(result.metrics["params_at_bound"]! >= 1)
        #expect(result.warnings.contains { $0.contains("'mu_max'") && $0.contains("upper bound 0.1") })
        #expect(try c.parameterValues(result.parameters)["mu_max"]! <= 0.1 * (1 + 1e-12))
    }

    @Test("the shipped penicillin spec trains and evaluates on a few short batches, reporting scaling and bound diagnostics")
    func penicillinTrainsAndEvaluates() async throws {
        let (spec, hash) = try Self.penicillin()
        let c = try SpecHybridComponent(spec: spec, specHash: hash)
        let scaled = try c.withScaling(try c.localScaling(Self.training))
        let result = try await offPool {
            try scaled.train(from: c.initialParameters(seed: 1), on: Array(Self.training.prefix(2)),
                             config: TrainingConfig(epochs: 3, batchSize: 2, learningRate: 0.02, seed: 1))
        }
        #expect(result.metrics["inputs_out_of_scaling"] != nil)
        #expect(result.metrics["params_at_bound"] != nil)
        #expect(result.samples > 0)
        let m = try await offPool { try scaled.evaluate(result.parameters, on: Self.heldOut) }
        for key in ["rmse_X", "rmse_S", "rmse_P", "final_titre_rmse", "titre_rmse", "nominal_rmse_X"] { #expect(m[key]?.isFinite == true, "\(key)") }
        #expect(m["inputs_out_of_scaling"] == 0)
        // Far-away inputs are reported: a scaling centred elsewhere puts every sample out.
        let far = FeatureScaling(names: scaled.scalingFeatureNames, mean: scaled.scalingFeatureNames.map { _ in 1e3 },
                                 std: scaled.scalingFeatureNames.map { _ in 1 })
        let farComponent = try c.withScaling(far)
        let farResult = try await offPool {
            try farComponent.train(from: c.initialParameters(seed: 1), on: Array(Self.training.prefix(1)),
                                   config: TrainingConfig(epochs: 1, batchSize: 1, learningRate: 0.01, seed: 1))
        }
        #expect(farResult.metrics["inputs_out_of_scaling"] == 1)
        #expect(farResult.warnings.contains { $0.contains("spreads from the scaling") })
    }

    @Test("the shipped CHO spec trains and evaluates on a few short simulated cho-a batches")
    func choTrainsAndEvaluates() async throws {
        let profile = MammalianTests.small(try MammalianTests.profile("cho-a"), batches: 3)
        let records = try await offPool { try profile.simulate().map(\.record) }
        let c = try SpecHybridComponent(specFile: TwinSpecTests.choURL)
        let result = try await offPool {
            try c.train(from: c.initialParameters(seed: 1), on: Array(records.prefix(2)),
                        config: TrainingConfig(epochs: 2, batchSize: 2, learningRate: 0.02, seed: 1))
        }
        #expect(result.metrics["train_loss"]!.isFinite)
        #expect(result.metrics["rate_loss"]! < result.metrics["rate_loss_initial"]!)
        let scaled = try c.withScaling(try c.localScaling(Array(records.prefix(2))))
        let m = try await offPool { try scaled.evaluate(result.parameters, on: [records[2]]) }
        for key in ["rmse_viable-cells", "rmse_glucose", "rmse_glutamine", "rmse_lactate", "rmse_ammonia", "rmse_titre",
                    "titre_rmse", "final_titre_rmse", "nominal_rmse_titre"] {
            #expect(m[key]?.isFinite == true, "\(key)")
        }
    }
}
