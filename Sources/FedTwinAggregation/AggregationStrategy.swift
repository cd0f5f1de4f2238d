import FedTwinWire

/// A federated optimisation strategy: how the server turns the sample-weighted mean of
/// the sites' deltas into the next global model, and what it asks of the sites.
///
/// The averaging itself is shared (`StreamingAggregator`), so every strategy gets the same
/// streaming, fixed-order, bit-reproducible mean.
public protocol AggregationStrategy: Sendable {
    /// Name and settings with defaults filled in, as recorded in manifests.
    var config: StrategyConfig { get }

    /// FedProx's proximal coefficient μ for local training (0 for the others).
    var proximalMu: Double { get }

    /// The next state from `base` and the mean delta (one `[Double]` per schema tensor).
    func apply(meanDelta: [[Double]], to base: ModelState, schema: ParameterSchema) throws -> ModelState
}

extension AggregationStrategy {
    public var proximalMu: Double { 0 }
}
