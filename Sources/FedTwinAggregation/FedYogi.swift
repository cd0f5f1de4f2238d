import FedTwinWire

/// FedYogi (Reddi et al. 2021, "Adaptive Federated Optimization", Algorithm 2): FedAdam's
/// step with Yogi's additive second moment, v ← v − (1−β₂)·Δ²·sign(v − Δ²), which grows or
/// shrinks v by at most (1−β₂)Δ² per round instead of decaying it towards Δ². The effective
/// learning rate then changes slowly when the sites' deltas are sparse or noisy, which is
/// why the paper found it the most robust of the three on non-IID data.
///
/// Moments start at zero (as FedAdam's here and Flower's do) and travel with the model as
/// the version's optimiser state (`yogi.m.NAME`, `yogi.v.NAME`, f64).
public struct FedYogi: AggregationStrategy {
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
        try ServerOptimizerState.check("fedyogi", [("lr", learningRate, 0.0...1e6), ("beta1", beta1, 0.0...0.999999),
                                                   ("beta2", beta2, 0.0...0.999999), ("tau", tau, 1e-12...1e6)])
    }

    public var config: StrategyConfig {
        StrategyConfig(name: "fedyogi", settings: ["lr": learningRate, "beta1": beta1, "beta2": beta2, "tau": tau])
    }

    public func apply(meanDelta: [[Double]], to base: ModelState, schema: ParameterSchema) throws -> ModelState {
        let beta2 = beta2
        return try AdaptiveServerStep(strategy: "fedyogi", prefix: "yogi", learningRate: learningRate, beta1: beta1, tau: tau) { v, d in
            let d2 = d * d
            let sign: Double = v > d2 ? 1 : (v < d2 ? -1 : 0)
            return v - (1 - beta2) * d2 * sign
        }.apply(meanDelta: meanDelta, to: base, schema: schema)
    }
}
