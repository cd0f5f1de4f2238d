import FedTwinWire

/// FedAvgM, FedAvg with server momentum (Hsu, Qi & Brown 2019, "Measuring the Effects of
/// Non-Identical Data Distribution for Federated Visual Classification"; Reddi et al. 2021
/// use it as a baseline): with the combined delta Δ, the velocity u ← β·u + Δ and
/// x ← x + η·u. Momentum carries a direction the sites agree on across rounds, which damps
/// the round-to-round swing of non-IID deltas; with β = 0 and η = 1 it is FedAvg.
///
/// Defaults η = 1, β = 0.9 (Hsu et al.'s usual momentum; Flower's `FedAvgM` defaults to
/// β = 0, which is FedAvg). The velocity starts at zero and travels as the version's
/// optimiser state (`momentum.NAME`, f64).
public struct FedAvgM: AggregationStrategy {
    public var learningRate: Double
    public var momentum: Double

    public init(learningRate: Double = 1, momentum: Double = 0.9) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    init(settings: [String: Double]) throws {
        self.init(learningRate: settings["lr"] ?? 1, momentum: settings["momentum"] ?? 0.9)
        try ServerOptimizerState.check("fedavgm", [("lr", learningRate, 0.0...1e6), ("momentum", momentum, 0.0...0.999999)])
    }

    public var config: StrategyConfig {
        StrategyConfig(name: "fedavgm", settings: ["lr": learningRate, "momentum": momentum])
    }

    public func apply(meanDelta: [[Double]], to base: ModelState, schema: ParameterSchema) throws -> ModelState {
        let previous = try ServerOptimizerState.read(["momentum"], from: base, schema: schema, strategy: "fedavgm")[0]
        var state: [Tensor] = []
        var parameters: [Tensor] = []
        for (index, tensor) in base.parameters.enumerated() {
            let delta = meanDelta[index]
            var u = previous[index]
            for i in 0..<delta.count { u[i] = momentum * u[i] + delta[i] }
            parameters += addingDelta([u], scale: learningRate, to: [tensor])
            state.append(ServerOptimizerState.tensor("momentum", of: tensor, u))
        }
        return ModelState(parameters: parameters, optimizerState: state)
    }
}
