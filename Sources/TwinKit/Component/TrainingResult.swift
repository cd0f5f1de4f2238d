/// Outcome of local training: what a site uploads (never its data).
public struct TrainingResult: Sendable, Equatable {
    /// New parameters (for `.weightedMean`) or this site's contribution (for `.sum`).
    public var parameters: ParameterSet
    /// Weight of this update in a sample-weighted mean (training examples used).
    public var samples: Int
    /// Local diagnostics, e.g. training loss before and after.
    public var metrics: [String: Double]

    public init(parameters: ParameterSet, samples: Int, metrics: [String: Double]) {
        self.parameters = parameters
        self.samples = samples
        self.metrics = metrics
    }
}
