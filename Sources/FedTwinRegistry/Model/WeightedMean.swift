/// Sample-weighted means of metrics reported by sites (an update's training metrics into
/// the version's manifest, evaluations into the held-out loss).
///
/// Computed as Σ v·(w/W) with W = Σ w in binary64: every partial sum is a convex
/// combination of the values, so the mean is never larger in magnitude than the largest
/// value and cannot overflow to infinity (Σ v·w could: 1e308 × 2 samples is +inf). A mean
/// that still is not finite is left out rather than written into a signed document.
enum WeightedMean {
    static func of(_ reports: [(samples: Int, metrics: [String: Double])]) -> [String: Double] {
        var weights: [String: Double] = [:]
        for report in reports where report.samples > 0 {
            for name in report.metrics.keys { weights[name, default: 0] += Double(report.samples) }
        }
        var means: [String: Double] = [:]
        for report in reports where report.samples > 0 {
            for (name, value) in report.metrics {
                means[name, default: 0] += value * (Double(report.samples) / weights[name]!)
            }
        }
        return means.filter { $0.value.isFinite }
    }
}
