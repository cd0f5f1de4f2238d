import FedTwinWire

/// FedAdam (Reddi et al. 2021, "Adaptive Federated Optimization"): the mean delta is a
/// pseudo-gradient Δ, and the server takes an Adam step
/// m ← β₁m + (1−β₁)Δ, v ← β₂v + (1−β₂)Δ², x ← x + η·m / (√v + τ).
///
/// m and v travel with the model as the version's optimiser state ("adam.m.NAME",
/// "adam.v.NAME", f64), so a restarted coordinator or a replay continues exactly.
public struct FedAdam: AggregationStrategy {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var tau: Double

    public init(learningRate: Double = 0.01, beta1: Double = 0.9, beta2: Double = 0.99, tau: Double = 1e-3) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.tau = tau
    }

    init(settings: [String: Double]) throws {
        self.init(learningRate: settings["lr"] ?? 0.01, beta1: settings["beta1"] ?? 0.9,
                  beta2: settings["beta2"] ?? 0.99, tau: settings["tau"] ?? 1e-3)
        try ServerOptimizerState.check("fedadam", [("lr", learningRate, 0.0...1e6), ("beta1", beta1, 0.0...0.999999),
                                                   ("beta2", beta2, 0.0...0.999999), ("tau", tau, 1e-12...1e6)])
    }

    public var config: StrategyConfig {
        StrategyConfig(name: "fedadam", settings: ["lr": learningRate, "beta1": beta1, "beta2": beta2, "tau": tau])
    }

    public func apply(meanDelta: [[Double]], to base: ModelState, schema: ParameterSchema) throws -> ModelState {
        let beta2 = beta2
        // Moments start at zero for the first FedAdam round (also after a stateless strategy
        // or another optimiser: see `ServerOptimizerState.read`).
        return try AdaptiveServerStep(strategy: "fedadam", prefix: "adam", learningRate: learningRate, beta1: beta1, tau: tau) { v, d in
            beta2 * v + (1 - beta2) * d * d
        }.apply(meanDelta: meanDelta, to: base, schema: schema)
    }
}
