import Foundation

/// The features the component scales and their samples in a site's data.
extension SpecHybridComponent {
    /// Network inputs (``NetworkInputSpec/featureName``) and then every observed data
    /// variable not already among them (the spreads that divide trajectory residuals).
    public var scalingFeatureNames: [String] { spec.scalingFeatureNames }

    /// The raw value series behind a feature in one record (before the `log:` transform).
    func featureSeries(_ name: String, _ record: BatchRecord) -> [Double?] {
        let base = name.hasPrefix("log:") ? String(name.dropFirst(4)) : name
        switch base {
        case "feed-rate":
            var total = [Double](repeating: 0, count: record.rowCount)
            for f in record.feeds where f.addsVolume { for i in 0..<record.rowCount { total[i] += f.rate[i] ?? 0 } }
            return total
        case "time":
            let start = record.time.first ?? 0
            return record.time.map { $0 - start }
        default:
            // A state's feature reads the data variable that measures it.
            let isState = spec.states.contains { $0.name == base }
            let variable = isState ? (spec.observations.first { $0.state == base }?.variable ?? base) : base
            return SpecModel.series(record, variable) ?? SpecModel.series(record, base) ?? []
        }
    }

    public func scalingSamples(_ batches: [BatchRecord]) throws -> [[Double]] {
        scalingFeatureNames.map { name in
            let log = name.hasPrefix("log:")
            var out: [Double] = []
            for record in batches {
                for v in featureSeries(name, record) {
                    guard let v, v.isFinite else { continue }
                    out.append(log ? Foundation.log(max(v, SpecModel.logFloor)) : v)
                }
            }
            return out
        }
    }

    public func withScaling(_ scaling: FeatureScaling) throws -> SpecHybridComponent {
        switch scaling.restricted(to: scalingFeatureNames) {
        case .success(let s): return try SpecHybridComponent(spec: spec, specHash: specHash, scaling: s)
        case .failure(let missing): throw missing
        }
    }

    /// The scaling of `batches` alone (mean and standard deviation of every feature), for
    /// purely local work when no consortium scaling was fixed.
    public func localScaling(_ batches: [BatchRecord]) throws -> FeatureScaling {
        let samples = try scalingSamples(batches)
        var mean: [Double] = [], std: [Double] = []
        for s in samples {
            let n = Double(s.count)
            let m = n > 0 ? s.reduce(0, +) / n : 0
            let variance = n > 1 ? s.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1) : 1
            mean.append(m)
            std.append(variance.squareRoot())
        }
        return FeatureScaling(names: scalingFeatureNames, mean: mean, std: std)
    }

    /// This component's scaling, or the one of `batches` when none was fixed.
    func effectiveScaling(_ batches: [BatchRecord]) throws -> FeatureScaling {
        if let scaling { return scaling }
        return try localScaling(batches)
    }

    /// Residual divisor per state: the spread of the variable observing it (1 when the
    /// scaling lacks it).
    func residualScales(_ model: SpecModel, _ scaling: FeatureScaling) -> [Double] {
        model.stateNames.map { name in
            guard let o = spec.observations.first(where: { $0.state == name }),
                  let i = scaling.index(of: o.variable ?? o.state) else { return 1 }
            return scaling.std[i]
        }
    }

    /// Fraction of the network inputs' samples in `batches` with |z| above
    /// ``outOfScalingThreshold`` under `scaling`, and the features concerned.
    func outOfScaling(_ batches: [BatchRecord], _ scaling: FeatureScaling) throws -> (fraction: Double, features: [String]) {
        let names = spec.network.inputs.map(\.featureName)
        guard !names.isEmpty else { return (0, []) }
        let all = try scalingSamples(batches)
        var total = 0, far = 0
        var features: [String] = []
        for (k, name) in names.enumerated() {
            guard let i = scaling.index(of: name) else { continue }
            let n = all[k].filter { abs(scaling.scaled($0, feature: i)) > Self.outOfScalingThreshold }.count
            total += all[k].count
            far += n
            if n > 0 { features.append(name) }
        }
        return (total > 0 ? Double(far) / Double(total) : 0, features)
    }
}
