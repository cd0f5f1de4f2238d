import FedTwinAggregation
import FedTwinWire
import Testing

/// FedYogi, FedAdagrad and FedAvgM against steps computed by hand from their update rules
/// (Reddi et al. 2021, "Adaptive Federated Optimization", Algorithm 2; Hsu et al. 2019 for
/// server momentum), element by element, over three rounds that exercise each branch.
@Suite("Server optimisers")
struct ServerOptimizerTests {
    static let schema = ParameterSchema(tensors: [TensorSpec(name: "x", dtype: .f64, shape: [3])])
    static let base = ModelState(parameters: [Tensor(name: "x", shape: [3], doubles: [1, 2, 3])])
    /// Round deltas: a zero entry, a sign change of magnitude, and a small third round in
    /// which Yogi's v is above Δ² (the branch where it shrinks).
    static let deltas: [[Double]] = [[0.2, 0, -0.5], [0.1, 0.3, -0.5], [0.01, 0, 0]]

    static func run(_ strategy: any AggregationStrategy, rounds: Int) throws -> [ModelState] {
        var states: [ModelState] = []
        var state = base
        for r in 0..<rounds {
            state = try strategy.apply(meanDelta: [deltas[r]], to: state, schema: schema)
            states.append(state)
        }
        return states
    }

    static func values(_ tensor: Tensor) -> [Double] { tensor.values.doubles }

    static func expectClose(_ a: [Double], _ b: [Double], _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, comment, sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-12 * max(1, abs(y)), "\(a) vs \(b) \(comment?.description ?? "")", sourceLocation: sourceLocation) }
    }

    @Test func fedYogiFollowsTheYogiSecondMoment() throws {
        let states = try Self.run(FedYogi(learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3), rounds: 3)
        // Round 1 from zero moments: m = 0.1Δ; v = 0 − 0.01Δ²·sign(0 − Δ²) = 0.01Δ² (and 0 where Δ = 0).
        let m1: [Double] = [0.02, 0, -0.05], v1: [Double] = [0.0004, 0, 0.0025]
        let x1: [Double] = [1 + 0.1 * 0.02 / (0.02 + 1e-3), 2, 3 + 0.1 * -0.05 / (0.05 + 1e-3)]
        Self.expectClose(Self.values(states[0].parameters[0]), x1, "x1")
        #expect(states[0].optimizerState.map(\.name) == ["yogi.m.x", "yogi.v.x"])
        Self.expectClose(Self.values(states[0].optimizerState[0]), m1)
        Self.expectClose(Self.values(states[0].optimizerState[1]), v1)
        // Round 2, Δ = [0.1, 0.3, −0.5]: v < Δ² everywhere, so v grows by 0.01Δ² (Adam would give 0.99v + 0.01Δ²).
        let m2: [Double] = [0.9 * 0.02 + 0.1 * 0.1, 0.1 * 0.3, 0.9 * -0.05 + 0.1 * -0.5]
        let v2: [Double] = [0.0004 + 0.0001, 0.0009, 0.0025 + 0.0025]
        Self.expectClose(Self.values(states[1].optimizerState[0]), m2, "m2")
        Self.expectClose(Self.values(states[1].optimizerState[1]), v2, "v2")
        let x2 = zip(x1, zip(m2, v2)).map { x, mv in x + 0.1 * mv.0 / (mv.1.squareRoot() + 1e-3) }
        Self.expectClose(Self.values(states[1].parameters[0]), x2, "x2")
        // Round 3, Δ = [0.01, 0, 0]: v > Δ², so v shrinks by only 0.01Δ²; where Δ = 0 it stays (Adam would decay it).
        let v3: [Double] = [0.0005 - 0.01 * 0.0001, 0.0009, 0.005]
        Self.expectClose(Self.values(states[2].optimizerState[1]), v3, "v3")
    }

    @Test func fedAdagradAccumulatesTheSquares() throws {
        let states = try Self.run(FedAdagrad(learningRate: 0.1, beta1: 0, tau: 1e-9), rounds: 2)
        // β₁ = 0: m = Δ. v = Σ Δ².
        let x1: [Double] = [1 + 0.1 * 0.2 / (0.2 + 1e-9), 2, 3 + 0.1 * -0.5 / (0.5 + 1e-9)]
        Self.expectClose(Self.values(states[0].parameters[0]), x1, "x1")
        #expect(states[0].optimizerState.map(\.name) == ["adagrad.m.x", "adagrad.v.x"])
        let v2: [Double] = [0.04 + 0.01, 0.09, 0.25 + 0.25]
        Self.expectClose(Self.values(states[1].optimizerState[1]), v2, "v2")
        let x2: [Double] = [x1[0] + 0.1 * 0.1 / (v2[0].squareRoot() + 1e-9), 2 + 0.1 * 0.3 / (0.3 + 1e-9),
                            x1[2] + 0.1 * -0.5 / (v2[2].squareRoot() + 1e-9)]
        Self.expectClose(Self.values(states[1].parameters[0]), x2, "x2")
        // With momentum β₁ = 0.5 the first moment mixes: m2 = 0.5·(0.5Δ₁) + 0.5Δ₂.
        let withMomentum = try Self.run(FedAdagrad(learningRate: 0.1, beta1: 0.5, tau: 1e-9), rounds: 2)
        Self.expectClose(Self.values(withMomentum[1].optimizerState[0]), [0.25 * 0.2 + 0.05, 0.15, 0.25 * -0.5 - 0.25], "m2")
    }

    @Test func fedAvgMCarriesAVelocity() throws {
        let states = try Self.run(FedAvgM(learningRate: 1, momentum: 0.9), rounds: 2)
        // u1 = Δ₁; x1 = x + u1. u2 = 0.9u1 + Δ₂; x2 = x1 + u2.
        Self.expectClose(Self.values(states[0].parameters[0]), [1.2, 2, 2.5], "x1")
        #expect(states[0].optimizerState.map(\.name) == ["momentum.x"])
        Self.expectClose(Self.values(states[1].optimizerState[0]), [0.28, 0.3, -0.95], "u2")
        Self.expectClose(Self.values(states[1].parameters[0]), [1.48, 2.3, 1.55], "x2")
        // η scales the whole velocity.
        let half = try Self.run(FedAvgM(learningRate: 0.5, momentum: 0.9), rounds: 2)
        Self.expectClose(Self.values(half[1].parameters[0]), [1 + 0.5 * (0.2 + 0.28), 2 + 0.5 * 0.3, 3 + 0.5 * (-0.5 - 0.95)], "x2 with η = 0.5")
    }

    @Test func fedAvgMWithoutMomentumIsFedAvgBitForBit() throws {
        let schema = ParameterSchema(tensors: [TensorSpec(name: "w", dtype: .f32, shape: [3])])
        let base = ModelState(parameters: [Tensor(name: "w", shape: [3], floats: [0.1, -2.5, 7])])
        let delta: [[Double]] = [[1e-3, -0.37, 0.2]]
        let momentum = try FedAvgM(learningRate: 1, momentum: 0).apply(meanDelta: delta, to: base, schema: schema)
        let plain = try FedAvg().apply(meanDelta: delta, to: base, schema: schema)
        #expect(momentum.parameters == plain.parameters)
    }

    @Test func eachOptimiserRecordsItsSettingsWithDefaultsForTheManifest() throws {
        #expect(try StrategyConfig(name: "fedyogi").makeStrategy().config
                == StrategyConfig(name: "fedyogi", settings: ["lr": 0.01, "beta1": 0.9, "beta2": 0.99, "tau": 1e-3]))
        #expect(try StrategyConfig(name: "FedAdagrad", settings: ["lr": 0.3]).makeStrategy().config
                == StrategyConfig(name: "fedadagrad", settings: ["lr": 0.3, "beta1": 0, "tau": 1e-9]))
        #expect(try StrategyConfig(name: "fedavgm", settings: ["momentum": 0.5]).makeStrategy().config
                == StrategyConfig(name: "fedavgm", settings: ["lr": 1, "momentum": 0.5]))
        // A recorded config rebuilds the same strategy: what `verify --replay` relies on.
        for name in ["fedyogi", "fedadagrad", "fedavgm"] {
            let config = try StrategyConfig(name: name).makeStrategy().config
            #expect(try config.makeStrategy().config == config)
        }
        #expect(StrategyConfig(name: "fedavgm").settingNames.isSuperset(of: ["lr", "momentum"]))
        #expect(!StrategyConfig(name: "fedadagrad").settingNames.contains("beta2"))
    }

    @Test func outOfRangeSettingsAreRefusedNamingTheStrategyAndSetting() {
        for (name, settings) in [("fedyogi", ["beta2": 1.0]), ("fedyogi", ["tau": 0.0]), ("fedadagrad", ["lr": -1.0]),
                                 ("fedavgm", ["momentum": 1.0]), ("fedavgm", ["lr": Double.nan])] {
            let error = #expect(throws: StrategyError.self) { try StrategyConfig(name: name, settings: settings).makeStrategy() }
            #expect(error?.strategy == name && error?.detail.contains(settings.keys.first!) == true, "\(name) \(settings)")
        }
        let unknown = #expect(throws: StrategyError.self) { try StrategyConfig(name: "fedsgd").makeStrategy() }
        #expect(unknown?.detail.contains("fedyogi, fedadagrad, fedavgm") == true)
    }

    @Test func anotherOptimisersStateIsLeftBehindButADamagedOneIsRefused() throws {
        let adam = try Self.run(FedAdam(learningRate: 0.1), rounds: 1)[0]
        // Switching from FedAdam to FedYogi starts Yogi's moments at zero: its first step equals one from a fresh state.
        let fromAdam = try FedYogi(learningRate: 0.1).apply(meanDelta: [Self.deltas[1]], to: adam, schema: Self.schema)
        let fresh = try FedYogi(learningRate: 0.1).apply(meanDelta: [Self.deltas[1]], to: ModelState(parameters: adam.parameters), schema: Self.schema)
        #expect(fromAdam == fresh)
        #expect(fromAdam.optimizerState.map(\.name) == ["yogi.m.x", "yogi.v.x"])
        // And back: FedAdam after FedYogi starts its moments at zero too.
        #expect(try FedAdam(learningRate: 0.1).apply(meanDelta: [Self.deltas[0]], to: fromAdam, schema: Self.schema)
                == (try FedAdam(learningRate: 0.1).apply(meanDelta: [Self.deltas[0]], to: ModelState(parameters: fromAdam.parameters), schema: Self.schema)))
        // Half of Yogi's state is damage, not another optimiser's: refused.
        var damaged = fresh
        damaged.optimizerState.removeLast()
        let error = #expect(throws: StrategyError.self) { try FedYogi().apply(meanDelta: [Self.deltas[0]], to: damaged, schema: Self.schema) }
        #expect(error?.detail.contains("yogi.v.x") == true)
    }

    @Test func throughTheStreamingAggregatorTheSitesMeanIsThePseudoGradient() throws {
        let component = ComponentSpec(id: "test", schema: Self.schema, aggregation: .mean)
        for config in [StrategyConfig(name: "fedyogi", settings: ["lr": 0.1]), StrategyConfig(name: "fedadagrad"), StrategyConfig(name: "fedavgm")] {
            let strategy = try config.makeStrategy()
            var aggregator = try StreamingAggregator(component: component, strategy: strategy, base: Self.base)
            // Samples 1 and 3: the sample-weighted mean is the pseudo-gradient the optimiser steps on.
            try aggregator.add([Tensor(name: "x", shape: [3], doubles: [0.5, 0, -0.5])], samples: 1)
            try aggregator.add([Tensor(name: "x", shape: [3], doubles: [0.1, 0, -0.5])], samples: 3)
            let mean: [Double] = [(0.5 + 3 * 0.1) / 4, 0, (-0.5 + 3 * -0.5) / 4]
            let streamed = try aggregator.finish()
            #expect(streamed == (try strategy.apply(meanDelta: [mean], to: Self.base, schema: Self.schema)), "\(config.name)")
        }
    }
}
