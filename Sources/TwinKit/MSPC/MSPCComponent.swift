/// The MSPC monitor as a federated component whose aggregation is a **sum**.
///
/// `train` returns this site's own sufficient statistics — not added to the incoming
/// parameters — so the coordinator's sum over sites equals the statistics of all batches
/// pooled, exactly, in one round. `evaluate` builds the PCA monitor from the summed
/// statistics and scores the site's held-out batches (continued process verification).
public struct MSPCComponent: TwinComponent {
    public let id = "mspc-monitor"
    public let aggregation = AggregationKind.sum
    public var unfolding: BatchUnfolding
    public var components: Int?
    public var explainedVariance: Double
    public var speMethod: SPELimitMethod

    public init(unfolding: BatchUnfolding = .standard, components: Int? = nil, explainedVariance: Double = 0.9,
                speMethod: SPELimitMethod = .box) {
        self.unfolding = unfolding
        self.components = components
        self.explainedVariance = explainedVariance
        self.speMethod = speMethod
    }

    public var schema: ParameterSchema { SufficientStatistics.schema(dimension: unfolding.width) }

    /// All zeros: the neutral element of the sum (there is nothing to initialise).
    public func initialParameters(seed: UInt64) -> ParameterSet { .zeros(schema) }

    /// This site's statistics over its batches.
    public func statistics(_ records: [BatchRecord]) throws -> SufficientStatistics {
        var s = SufficientStatistics(dimension: unfolding.width)
        for r in records { s.add(try unfolding.row(r)) }
        return s
    }

    public func train(from parameters: ParameterSet, on training: [BatchRecord], config: TrainingConfig) throws -> TrainingResult {
        try parameters.validate(against: schema)
        let s = try statistics(training)
        return TrainingResult(parameters: s.parameterSet, samples: training.count, metrics: ["batches": Double(training.count)])
    }

    /// The monitor built from (summed) statistics.
    public func monitor(_ parameters: ParameterSet) throws -> PCAMonitor {
        try parameters.requireFinite()
        return try PCAMonitor(statistics: SufficientStatistics(parameters, dimension: unfolding.width),
                       components: components, explainedVariance: explainedVariance, speMethod: speMethod)
    }

    /// Scores one batch against a monitor.
    public func assess(_ record: BatchRecord, with monitor: PCAMonitor, top: Int = 3) throws -> BatchAssessment {
        let x = try unfolding.row(record)
        let s = monitor.score(x)
        let t95 = monitor.t2Limit(0.95), t99 = monitor.t2Limit(0.99)
        let q95 = monitor.speLimit(0.95), q99 = monitor.speLimit(0.99)
        let useSPE = s.spe / max(q99, 1e-300) >= s.t2 / max(t99, 1e-300)
        let contributions = useSPE ? s.speContributions : s.t2Contributions.map { max($0, 0) }
        var byVariable: [String: Double] = [:]
        for (column, c) in contributions.enumerated() {
            byVariable[unfolding.variables[column % unfolding.variables.count].rawValue, default: 0] += c
        }
        let total = max(byVariable.values.reduce(0, +), 1e-300)
        let ranked = byVariable.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(top).map { (variable: $0.key, share: $0.value / total) }
        return BatchAssessment(batchID: record.batchID, t2: s.t2, spe: s.spe, t2Limit95: t95, t2Limit99: t99,
                               speLimit95: q95, speLimit99: q99, topContributors: Array(ranked))
    }

    public func evaluate(_ parameters: ParameterSet, on heldOut: [BatchRecord]) throws -> [String: Double] {
        let m = try monitor(parameters)
        let verdicts = try heldOut.map { try assess($0, with: m) }
        let n = Double(max(verdicts.count, 1))
        return [
            "in_control_99": Double(verdicts.filter(\.inControl).count) / n,
            "in_control_95": Double(verdicts.filter(\.inControl95).count) / n,
            "mean_t2": verdicts.map(\.t2).reduce(0, +) / n,
            "mean_spe": verdicts.map(\.spe).reduce(0, +) / n,
            "components": Double(m.components),
            "reference_batches": Double(m.batches),
        ]
    }
}
