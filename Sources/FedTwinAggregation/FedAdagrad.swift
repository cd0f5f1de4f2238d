import FedTwinWire

/// FedAdagrad (Reddi et al. 2021, "Adaptive Federated Optimization", Algorithm 2): the
/// second moment only accumulates, v ← v + Δ², so each parameter's step shrinks with the
/// sum of its squared pseudo-gradients; x ← x + η·m / (√v + τ) with m ← β₁m + (1−β₁)Δ.
///
/// Defaults are Flower's (`FedAdagrad`: η = 0.1, β₁ = 0, i.e. no momentum, τ = 1e-9), so a
/// consortium moving from Flower gets the same rule. Moments start at zero and travel as
/// the version's optimiser state (`adagrad.m.NAME`, `adagrad.v.NAME`, f64).
public struct FedAdagrad: AggregationStrategy {
    public var learningRate: Double
    public var beta1: Double
    public var tau: Double

    public init(learningRate: Double = 0.1, beta1: Double = 0, tau: Double = 1e-9) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.tau = tau
    }

    init(settings: [String: Double]) throws {
        self.init(learningRate: settings["lr"] ?? 0.1, beta1: settings["beta1"] ?? 0, tau: settings["tau"] ?? 1e-9)
        try ServerOptimizerState.check("fedadagrad", [("lr", learningRate, 0.0...1e6), ("beta1", beta1, 0.0...0.999999),
                                                      ("tau", tau, 1e-12...1e6)])
    }

    public var config: StrategyConfig {
        StrategyConfig(name: "fedadagrad", settings: ["lr": learningRate, "beta1": beta1, "tau": tau])
    }

    public func apply(meanDelta: [[Double]], to base: ModelState, schema: ParameterSchema) throws -> ModelState {
        try AdaptiveServerStep(strategy: "fedadagrad", prefix: "adagrad", learningRate: learningRate, beta1: beta1, tau: tau) { v, d in
            v + d * d
        }.apply(meanDelta: meanDelta, to: base, schema: schema)
    }
}
