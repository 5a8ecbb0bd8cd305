import CoreMetrics
import Prometheus
import RunhooksEngine

extension EngineMetrics {
    /// Lateness buckets fine enough to read a p99 in the tens of milliseconds.
    static let latenessBuckets: [Duration] = [1, 2, 3, 5, 7, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 250, 500, 1000, 2500, 5000, 10_000, 30_000]
        .map { .milliseconds($0) }

    static func prometheusFactory(_ registry: PrometheusCollectorRegistry) -> any MetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = ["runhooks_fire_lateness": latenessBuckets]
        return factory
    }
}
