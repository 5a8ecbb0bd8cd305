import CoreMetrics
import Synchronization

/// Counts gossip frames dropped for a MAC that did not verify (for tests and the metric).
final class FrameRejections: Sendable {
    private let counted = Mutex(0)
    private let counter: Counter

    init(metrics: any MetricsFactory) {
        counter = Counter(label: "runhooks_gossip_frames_rejected_total", factory: metrics)
    }

    var count: Int { counted.withLock { $0 } }

    @Sendable func record() {
        counted.withLock { $0 += 1 }
        counter.increment()
    }
}
