/// The statistics round that fixes a ``FeatureScaledComponent``'s scaling from the
/// consortium's data: a federated component whose aggregation is a **sum**.
///
/// `train` returns this site's own ``FeatureStatistics`` (count, Σx, Σx² per feature of the
/// wrapped component's ``FeatureScaledComponent/scalingSamples(_:)`` in its training
/// batches), not added to the incoming parameters, so the coordinator's sum over sites is
/// the statistics of every site's samples pooled, exactly, in one round. `fedtwin twin
/// scale` then writes the committed sum, as means and spreads, into the spec the training
/// store and sites use (``TwinSpec/scaling``).
public struct FeatureStatisticsComponent: TwinComponent {
    public let id = "feature-statistics"
    public let aggregation = AggregationKind.sum
    /// The component whose features are counted.
    public let target: any FeatureScaledComponent

    public init(target: any FeatureScaledComponent) { self.target = target }

    /// The wrapped component's feature names, in the order of every `stats.*` tensor.
    public var featureNames: [String] { target.scalingFeatureNames }

    public var schema: ParameterSchema { FeatureStatistics.schema(features: featureNames.count) }

    /// All zeros: the neutral element of the sum.
    public func initialParameters(seed: UInt64) -> ParameterSet { .zeros(schema) }

    /// This site's statistics over `records`.
    public func statistics(_ records: [BatchRecord]) throws -> FeatureStatistics {
        FeatureStatistics(names: featureNames, samples: try target.scalingSamples(records))
    }

    public func train(from parameters: ParameterSet, on training: [BatchRecord], config: TrainingConfig) throws -> TrainingResult {
        try parameters.validate(against: schema)
        let s = try statistics(training)
        var warnings: [String] = []
        for (i, name) in featureNames.enumerated() where s.count[i] == 0 {
            warnings.append("feature '\(name)' has no samples in this site's training batches")
        }
        return TrainingResult(parameters: s.parameterSet, samples: training.count,
                              metrics: ["batches": Double(training.count), "features": Double(featureNames.count)],
                              warnings: warnings)
    }

    /// The scaling a (summed) parameter set defines.
    public func scaling(_ parameters: ParameterSet) throws -> FeatureScaling {
        try FeatureStatistics(parameters, names: featureNames).scaling()
    }

    /// How the site's held-out samples sit in the consortium's scaling: the fewest samples
    /// behind any feature, and the fraction of held-out samples beyond
    /// ``SpecHybridComponent/outOfScalingThreshold`` standard deviations (a site whose data
    /// the consortium's scaling does not describe).
    public func evaluate(_ parameters: ParameterSet, on heldOut: [BatchRecord]) throws -> [String: Double] {
        let stats = try FeatureStatistics(parameters, names: featureNames)
        let scaling = try stats.scaling()
        let samples = try target.scalingSamples(heldOut)
        var total = 0, far = 0
        for (i, values) in samples.enumerated() {
            for v in values where v.isFinite {
                total += 1
                if abs(scaling.scaled(v, feature: i)) > SpecHybridComponent.outOfScalingThreshold { far += 1 }
            }
        }
        return [
            "features": Double(featureNames.count),
            "min_count": stats.count.min() ?? 0,
            "held_out_samples": Double(total),
            "held_out_out_of_scaling": total > 0 ? Double(far) / Double(total) : 0,
        ]
    }
}
