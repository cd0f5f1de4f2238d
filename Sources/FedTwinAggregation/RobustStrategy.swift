import FedTwinWire

/// A server strategy (FedAvg, FedProx, FedAdam) fed by a robust combiner and/or clipped
/// deltas instead of the plain weighted mean. The server step is the wrapped strategy's,
/// unchanged; only the delta it receives differs.
public struct RobustStrategy: AggregationStrategy {
    public let server: any AggregationStrategy
    public let combination: DeltaCombination

    public init(server: any AggregationStrategy, combination: DeltaCombination) {
        self.server = server
        self.combination = combination
    }

    public var config: StrategyConfig {
        let base = server.config
        return StrategyConfig(name: base.name, settings: base.settings.merging(combination.settings) { _, new in new },
                              combiner: combination.combiner.rawValue)
    }

    public var proximalMu: Double { server.proximalMu }

    public func apply(meanDelta: [[Double]], to base: ModelState, schema: ParameterSchema) throws -> ModelState {
        try server.apply(meanDelta: meanDelta, to: base, schema: schema)
    }
}
