/// Count, sum and sum of squares of every scaled feature over one site's (or the
/// consortium's) samples, in binary64.
///
/// These add exactly across sites, so the consortium's ``FeatureScaling`` is computed from
/// the sum of each site's statistics without a raw value leaving a site: one round of the
/// `feature-statistics` component (``FeatureStatisticsComponent``), and the result equals
/// the statistics of all samples pooled up to floating-point summation order.
public struct FeatureStatistics: Sendable, Equatable {
    /// Feature names (``FeatureScaling`` documents them), in order.
    public var names: [String]
    public var count: [Double]
    public var sum: [Double]
    public var sumOfSquares: [Double]

    /// Empty statistics (the neutral element of ``merged(with:)``).
    public init(names: [String]) {
        self.names = names
        count = names.map { _ in 0 }
        sum = count
        sumOfSquares = count
    }

    /// Statistics of `samples`, one array per name (non-finite values skipped).
    public init(names: [String], samples: [[Double]]) {
        precondition(names.count == samples.count, "FeatureStatistics: \(names.count) names, \(samples.count) sample arrays")
        self.init(names: names)
        for (i, values) in samples.enumerated() {
            for v in values where v.isFinite { add(v, feature: i) }
        }
    }

    /// Adds one sample of feature `i`.
    public mutating func add(_ value: Double, feature i: Int) {
        count[i] += 1
        sum[i] += value
        sumOfSquares[i] += value * value
    }

    /// Element-wise sum with another site's statistics over the same features.
    public func merged(with other: FeatureStatistics) throws -> FeatureStatistics {
        guard other.names == names else {
            throw FeatureStatisticsError(reason: "cannot merge statistics of features \(other.names) into \(names)")
        }
        var out = self
        for i in names.indices {
            out.count[i] += other.count[i]
            out.sum[i] += other.sum[i]
            out.sumOfSquares[i] += other.sumOfSquares[i]
        }
        return out
    }

    /// Σx / n per feature (0 for a feature without samples).
    public var mean: [Double] { names.indices.map { count[$0] > 0 ? sum[$0] / count[$0] : 0 } }

    /// Sample standard deviation per feature, (Σx² − (Σx)²/n) / (n − 1) under the root,
    /// clamped at 0 against rounding (0 for fewer than two samples; ``FeatureScaling``
    /// turns a zero into 1).
    public var standardDeviation: [Double] {
        names.indices.map { i in
            let n = count[i]
            guard n > 1 else { return 0 }
            let ss = sumOfSquares[i] - sum[i] * sum[i] / n
            return (max(ss, 0) / (n - 1)).squareRoot()
        }
    }

    /// The scaling these statistics define.
    ///
    /// - Throws: ``FeatureStatisticsError`` naming a feature without samples (a scaling of
    ///   nothing would silently centre that input at 0).
    public func scaling() throws -> FeatureScaling {
        if let i = names.indices.first(where: { count[$0] < 1 }) {
            throw FeatureStatisticsError(reason: "feature '\(names[i])' has no samples at any site (no data column measures it?)")
        }
        return FeatureScaling(names: names, mean: mean, std: standardDeviation)
    }

    /// Tensor names used on the wire (summed, in binary64, by the coordinator).
    public static func schema(features p: Int) -> ParameterSchema {
        ParameterSchema([
            TensorSpec(name: "stats.count", shape: [p]),
            TensorSpec(name: "stats.sum", shape: [p]),
            TensorSpec(name: "stats.sumsq", shape: [p]),
        ])
    }

    /// As a parameter set.
    public var parameterSet: ParameterSet {
        // Force-try is safe: the sizes come from `names`.
        try! ParameterSet(schema: Self.schema(features: names.count), flat: count + sum + sumOfSquares)
    }

    /// From a (summed) parameter set over `names`.
    public init(_ set: ParameterSet, names: [String]) throws {
        let p = names.count
        try set.validate(against: Self.schema(features: p))
        try set.requireFinite()
        let flat = set.flattened()
        self.names = names
        count = Array(flat[0..<p])
        sum = Array(flat[p..<(2 * p)])
        sumOfSquares = Array(flat[(2 * p)...])
        if let i = count.indices.first(where: { count[$0] < 0 || count[$0] != count[$0].rounded() }) {
            throw FeatureStatisticsError(reason: "stats.count[\(i)] = \(count[i]) is not a sample count")
        }
        if let i = sumOfSquares.indices.first(where: { sumOfSquares[$0] < 0 }) {
            throw FeatureStatisticsError(reason: "stats.sumsq[\(i)] = \(sumOfSquares[i]) is negative")
        }
    }
}
