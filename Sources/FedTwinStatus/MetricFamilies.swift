import CoreMetrics
import Prometheus

/// One Prometheus registry and the swift-metrics objects made from it.
///
/// Every metric is a swift-metrics object (`Counter`, `Meter`, `Timer`) whose handler comes
/// from this instance's `PrometheusCollectorRegistry` — with its HELP text, which
/// `promtool check metrics` requires — and whose factory is a `PrometheusMetricsFactory`
/// over that same registry. Nothing is bootstrapped globally (`MetricsSystem.bootstrap` is
/// process-wide), so two coordinators in one process, or two tests, never share a counter.
struct MetricFamilies: Sendable {
    let registry = PrometheusCollectorRegistry()
    var factory: PrometheusMetricsFactory { PrometheusMetricsFactory(registry: registry) }

    func counter(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> CoreMetrics.Counter {
        let handler = registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
        return CoreMetrics.Counter(label: name, dimensions: labels, handler: handler, factory: factory)
    }

    func floatingCounter(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> FloatingPointCounter {
        let handler = registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
        return FloatingPointCounter(label: name, dimensions: labels, handler: handler, factory: factory)
    }

    func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Meter {
        let handler = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
        return Meter(label: name, dimensions: labels, handler: handler, factory: factory)
    }

    func histogram(_ name: String, _ help: String, buckets: [Duration]) -> CoreMetrics.Timer {
        let handler = registry.makeDurationHistogram(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help),
                                                     labels: [], buckets: buckets)
        return CoreMetrics.Timer(label: name, dimensions: [], handler: handler, factory: factory)
    }
}
