/// Centre and scale of every network input and estimated rate, fixed before training.
///
/// A hybrid's network only trains well on centred, unit-scale inputs; fixing that scaling to
/// our own simulator's nominal values is what made the old component wrong on any other
/// plant. The scaling comes from the consortium's data instead: a statistics round sums
/// (n, Σx, Σx²) per feature across sites (``FeatureStatistics``), no raw value leaves a site,
/// and the result is recorded in the version the training starts from.
///
/// Feature names (shared by ``FeatureStatistics`` and every ``FeatureScaledComponent``):
/// a variable or state name (`biomass`, `temperature`), `log:NAME` for its natural log,
/// `feed-rate` (total volumetric feed, L/h), `time` (h since batch start), and
/// `rate:NAME` for a specific rate estimated from the data.
public struct FeatureScaling: Sendable, Equatable, Codable {
    public var names: [String]
    public var mean: [Double]
    /// Standard deviations, each > 0 (a constant feature gets 1).
    public var std: [Double]

    public init(names: [String], mean: [Double], std: [Double]) {
        precondition(names.count == mean.count && names.count == std.count, "FeatureScaling: lengths differ")
        self.names = names
        self.mean = mean
        self.std = std.map { $0.isFinite && $0 > 0 ? $0 : 1 }
    }

    /// The position of a feature, or nil when the scaling does not cover it.
    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    /// (value − mean) / std for feature `i`.
    @inlinable public func scaled(_ value: Double, feature i: Int) -> Double { (value - mean[i]) / std[i] }

    /// This scaling restricted to (and ordered as) `wanted`; nil names the first feature it lacks.
    public func restricted(to wanted: [String]) -> Result<FeatureScaling, MissingFeature> {
        var m: [Double] = [], s: [Double] = []
        for name in wanted {
            guard let i = index(of: name) else { return .failure(MissingFeature(name: name)) }
            m.append(mean[i]); s.append(std[i])
        }
        return .success(FeatureScaling(names: wanted, mean: m, std: s))
    }

    /// A feature a component needs and the scaling does not have.
    public struct MissingFeature: Error, Sendable, Equatable, CustomStringConvertible {
        public var name: String
        public var description: String { "the feature scaling has no feature '\(name)'" }
    }
}
