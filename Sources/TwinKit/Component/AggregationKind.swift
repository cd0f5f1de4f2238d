/// How the coordinator combines site contributions of a component.
///
/// Plain data (it travels in configs and manifests) so the coordinator never needs to
/// link model code.
public enum AggregationKind: String, Sendable, Codable, CaseIterable {
    /// Sample-weighted mean of parameters (neural components; FedAvg and relatives).
    case weightedMean
    /// Element-wise sum of contributions (sufficient statistics: exact in one round).
    case sum
}
