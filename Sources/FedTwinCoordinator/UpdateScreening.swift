import FedTwinRegistry
import FedTwinWire

/// Screens the numbers a site reports with an update or an evaluation, before anything is
/// stored or aggregated (PROTOCOL.md §6, checks on an update; docs/security.md, "Bounds").
///
/// Every sample count and metric value comes from a site. Unscreened, `samples = 2^63 − 1`
/// trapped the aggregator on integer overflow, a metric of `1e308` became +inf in the
/// weighted mean and the manifest could not be encoded, and a claimed 10^12 samples made
/// the next version that one site's delta. The screen bounds each value at entry, so that
/// the arithmetic after it cannot overflow (the aggregator also checks its sums), and says
/// what was wrong with a specific reason code.
struct UpdateScreening: Sendable {
    /// Largest `samples` of one update.
    var maxSamplesPerUpdate: Int
    /// An update's `samples` may be at most this factor times the site's reference count
    /// (the samples of its first contribution in the store); 0 turns the check off.
    var sampleConsistencyFactor: Double
    /// Largest `samples` of one evaluation.
    var maxEvaluationSamples: Int
    /// Largest |value| of a metric.
    var maxMetricMagnitude: Double

    init(_ config: CoordinatorConfiguration) {
        maxSamplesPerUpdate = config.maxSamplesPerUpdate
        sampleConsistencyFactor = config.sampleConsistencyFactor
        maxEvaluationSamples = config.maxEvaluationSamples
        maxMetricMagnitude = config.maxMetricMagnitude
    }

    /// Why a value is refused: the code the site receives and the sentence the audit log keeps.
    struct Refusal: Sendable, Equatable {
        var code: ReasonCode
        var reason: String
    }

    /// `reference`: the samples of the site's first contribution, when it has one.
    func screen(_ update: Update, reference: Int?) -> Refusal? {
        guard update.samples >= 1 else {
            return Refusal(code: .invalidSamples, reason: "update samples must be at least 1, got \(update.samples)")
        }
        guard update.samples <= maxSamplesPerUpdate else {
            return Refusal(code: .samplesExceeded, reason: "update samples \(update.samples) exceed maxSamplesPerUpdate \(maxSamplesPerUpdate)")
        }
        if let reference, sampleConsistencyFactor > 0 {
            // Only growth is bounded: fewer samples can only lower the site's own weight.
            guard Double(update.samples) <= Double(reference) * sampleConsistencyFactor else {
                return Refusal(code: .samplesInconsistent,
                               reason: "update samples \(update.samples) exceed sampleConsistencyFactor \(sampleConsistencyFactor) × the \(reference) samples this site declared in its first contribution")
            }
        }
        return screen(update.metrics, of: "update")
    }

    func screen(_ evaluation: Evaluation) -> Refusal? {
        guard evaluation.samples >= 0 else {
            return Refusal(code: .invalidSamples, reason: "evaluation samples must be at least 0, got \(evaluation.samples)")
        }
        guard evaluation.samples <= maxEvaluationSamples else {
            return Refusal(code: .samplesExceeded, reason: "evaluation samples \(evaluation.samples) exceed maxEvaluationSamples \(maxEvaluationSamples)")
        }
        return screen(evaluation.metrics, of: "evaluation")
    }

    /// Finite, at most `maxMetricMagnitude` in magnitude, and error measures (`isErrorMeasure`) not negative.
    func screen(_ metrics: [String: Double], of kind: String) -> Refusal? {
        for name in metrics.keys.sorted() {
            let value = metrics[name]!
            guard value.isFinite, abs(value) <= maxMetricMagnitude else {
                return Refusal(code: .invalidMetric, reason: "\(kind) metric \(name) = \(value) is not within ±maxMetricMagnitude \(maxMetricMagnitude)")
            }
            if Self.isErrorMeasure(name), value < 0 {
                return Refusal(code: .invalidMetric, reason: "\(kind) metric \(name) = \(value) is an error measure and cannot be negative")
            }
        }
        return nil
    }

    /// Names of losses and errors, which are ≥ 0 by construction: containing `loss`, `mse`
    /// (so `rmse`) or `mae`.
    static func isErrorMeasure(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.contains("loss") || lower.contains("mse") || lower.contains("mae")
    }

    /// Each site's reference sample count: the samples of its first contribution in the
    /// store, scanning versions in order. A version that cannot be read is skipped (the
    /// registry's verification reports it; screening must not stop the coordinator).
    static func referenceSamples(in registry: Registry) -> [String: Int] {
        var references: [String: Int] = [:]
        for number in (try? registry.versionNumbers()) ?? [] {
            guard let version = try? registry.version(number) else { continue }
            for contribution in version.manifest.contributions where references[contribution.site] == nil {
                references[contribution.site] = contribution.samples
            }
        }
        return references
    }
}
