/// Outcome of local training: what a site uploads (never its data).
public struct TrainingResult: Sendable, Equatable {
    /// New parameters (for `.weightedMean`) or this site's contribution (for `.sum`).
    public var parameters: ParameterSet
    /// Weight of this update in a sample-weighted mean (training examples used).
    public var samples: Int
    /// Local diagnostics, e.g. training loss before and after.
    public var metrics: [String: Double]
    /// What the site should be told about this training in words (a parameter that ended
    /// at its bound, inputs far outside the scaling, a batch that diverged): training that
    /// went wrong in a known way says so instead of "succeeding" silently.
    public var warnings: [String]

    public init(parameters: ParameterSet, samples: Int, metrics: [String: Double], warnings: [String] = []) {
        self.parameters = parameters
        self.samples = samples
        self.metrics = metrics
        self.warnings = warnings
    }
}
