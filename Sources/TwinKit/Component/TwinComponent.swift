/// The one seam between the federated layer and a model.
///
/// The coordinator only needs ``schema`` and ``aggregation`` (plain data); sites call
/// ``train(from:on:config:)`` and ``evaluate(_:on:)`` with their own batch records, which
/// never leave the site. Implementations are deterministic given the config's seed, so
/// any round can be replayed.
public protocol TwinComponent: Sendable {
    /// Stable identifier, e.g. `"hybrid-bioreactor"`.
    var id: String { get }
    /// Names and shapes of the parameters exchanged each round.
    var schema: ParameterSchema { get }
    /// How contributions are combined.
    var aggregation: AggregationKind { get }
    /// Starting parameters, deterministic in `seed`.
    func initialParameters(seed: UInt64) -> ParameterSet
    /// Local training starting from `parameters` on the site's training batches.
    func train(from parameters: ParameterSet, on training: [BatchRecord], config: TrainingConfig) throws -> TrainingResult
    /// Metrics of `parameters` on the site's held-out batches.
    func evaluate(_ parameters: ParameterSet, on heldOut: [BatchRecord]) throws -> [String: Double]
}
