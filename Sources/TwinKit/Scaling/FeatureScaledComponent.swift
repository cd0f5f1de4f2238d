/// A component whose network scaling comes from the consortium's statistics round.
///
/// The statistics component (``FeatureStatistics``, a sum-aggregated round run before
/// training) asks the component which features it scales and for their samples in a site's
/// training batches; the coordinator sums the statistics; `fedtwin twin scale`
/// writes the resulting ``FeatureScaling`` into the spec (``TwinSpec/scaling``), whose hash
/// the training store records, and the component reads it from there (or computes it from the local data when there is none,
/// for purely local work).
public protocol FeatureScaledComponent: TwinComponent {
    /// The features this component scales, in the names ``FeatureScaling`` documents.
    var scalingFeatureNames: [String] { get }
    /// Every sample of each feature in `batches`, one array per name in
    /// ``scalingFeatureNames`` (non-finite values skipped).
    func scalingSamples(_ batches: [BatchRecord]) throws -> [[Double]]
    /// This component with its scaling fixed to `scaling` (which covers at least
    /// ``scalingFeatureNames``).
    func withScaling(_ scaling: FeatureScaling) throws -> Self
}
