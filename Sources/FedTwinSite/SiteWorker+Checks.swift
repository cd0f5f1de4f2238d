import Logging
import TwinKit

extension SiteWorker {
    /// Largest |value| of a metric the site reports: the coordinator's default
    /// `maxMetricMagnitude` (1e12), so an honest site's report is never refused as a whole.
    public static let reportableMetricMagnitude = 1e12

    /// The metrics of an update or evaluation that are worth sending: finite and within
    /// ±`reportableMetricMagnitude`. A training that diverged (a network-only baseline's
    /// initial loss of 5.7e29 was seen) used to send that number, the coordinator refused
    /// every update of the site as `invalid-metric`, and the round was retried until its
    /// deadline. The update itself is still sent; the metric is dropped with a warning that
    /// names it, so the divergence is not silent.
    func reportable(_ metrics: [String: Double]) -> [String: Double] {
        Self.reportable(metrics, logger: logger)
    }

    /// `reportable(_:)` without a worker, for tests.
    static func reportable(_ metrics: [String: Double], logger: Logger) -> [String: Double] {
        var out: [String: Double] = [:]
        for (name, value) in metrics.sorted(by: { $0.key < $1.key }) {
            if value.isFinite && abs(value) <= reportableMetricMagnitude {
                out[name] = value
            } else {
                logger.warning("metric \(name) = \(value) not reported: not finite or beyond ±\(reportableMetricMagnitude) (the training diverged?)")
            }
        }
        return out
    }
}

extension SiteWorker {
    /// The SHA-256 of the spec file behind a declared component (its hybrid, or the hybrid
    /// its statistics round counts for), compared with the store's in `welcome`; nil for a
    /// built-in component.
    static func specHash(of component: any TwinComponent) -> String? {
        if let declared = component as? SpecHybridComponent { return declared.specHash }
        if let statistics = component as? FeatureStatisticsComponent, let declared = statistics.target as? SpecHybridComponent {
            return declared.specHash
        }
        return nil
    }
}
