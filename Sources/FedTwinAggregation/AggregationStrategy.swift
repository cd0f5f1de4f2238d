import FedTwinWire

/// A federated optimisation strategy: how the server turns the combined delta of the sites
/// (by default their sample-weighted mean) into the next global model, and what it asks
/// of the sites.
///
/// The combining itself is shared (`StreamingAggregator`), so every strategy gets the same
/// streaming, fixed-order, bit-reproducible mean, or, through `combination`, a robust
/// combiner and update-norm clipping (`RobustStrategy`, `DeltaCombination`).
public protocol AggregationStrategy: Sendable {
    /// Name and settings with defaults filled in, as recorded in manifests.
    var config: StrategyConfig { get }

    /// FedProx's proximal coefficient μ for local training (0 for the others).
    var proximalMu: Double { get }

    /// How the sites' deltas are combined (and clipped) before `apply`.
    var combination: DeltaCombination { get }

    /// The next state from `base` and the combined delta (one `[Double]` per schema tensor;
    /// the sample-weighted mean unless `combination` says otherwise).
    func apply(meanDelta: [[Double]], to base: ModelState, schema: ParameterSchema) throws -> ModelState
}

extension AggregationStrategy {
    public var proximalMu: Double { 0 }
    public var combination: DeltaCombination { .mean }
}
