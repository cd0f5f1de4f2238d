/// How a component's contributions combine, declared by the component as plain data.
public enum AggregationKind: String, Sendable, Codable, CaseIterable {
    /// Sites send deltas from the base version; the server applies the sample-weighted
    /// mean through its strategy (neural parts).
    case mean
    /// Sites send sufficient statistics; the new version is their exact sum, in one round
    /// (PCA/MSPC).
    case sum
}
