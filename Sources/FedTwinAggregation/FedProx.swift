import FedTwinWire

/// FedProx (Li et al. 2020): sites add (μ/2)‖w − w_global‖² to their local loss, which keeps
/// heterogeneous sites from drifting apart; the server side is FedAvg.
public struct FedProx: AggregationStrategy {
    public let proximalMu: Double

    public init(proximalMu: Double = 0.01) {
        self.proximalMu = proximalMu
    }

    init(settings: [String: Double]) throws {
        let mu = settings["mu"] ?? 0.01
        guard mu.isFinite, mu >= 0 else { throw StrategyError(strategy: "fedprox", detail: "mu must be a finite number ≥ 0, got \(mu)") }
        self.init(proximalMu: mu)
    }

    public var config: StrategyConfig { StrategyConfig(name: "fedprox", settings: ["mu": proximalMu]) }

    public func apply(meanDelta: [[Double]], to base: ModelState, schema: ParameterSchema) throws -> ModelState {
        ModelState(parameters: addingDelta(meanDelta, scale: 1, to: base.parameters), optimizerState: [])
    }
}
