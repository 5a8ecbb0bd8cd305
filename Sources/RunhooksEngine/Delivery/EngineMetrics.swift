import CoreMetrics
import Foundation
import RunhooksCore

/// The engine's metrics, made through an injected factory (the server passes its Prometheus
/// registry's; nothing here touches the global metrics system).
public struct EngineMetrics: Sendable {
    let fires: Counter
    let lateness: CoreMetrics.Timer
    let attempts: [Execution.Status: Counter]
    let inFlight: Meter
    /// Slots not fired because the engine was not running them or fell a period behind; each
    /// is recorded on the execution that fired the latest slot instead (`missed_slots`).
    let missedSlots: Counter
    /// Runs that found every concurrency slot of their tenant's plan taken at their claim and
    /// queued for one.
    let concurrencyWaits: Counter
    /// Of those, runs whose slot came only after their time: sent late because of the plan's
    /// concurrency, not because the engine was behind.
    let concurrencyDelays: Counter

    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance) {
        fires = Counter(label: "runhooks_fires_total", factory: factory)
        lateness = CoreMetrics.Timer(label: "runhooks_fire_lateness", factory: factory)
        var attempts: [Execution.Status: Counter] = [:]
        for status in Execution.Status.allCases where status.isFinal {
            attempts[status] = Counter(label: "runhooks_attempts_total", dimensions: [("status", status.rawValue)], factory: factory)
        }
        self.attempts = attempts
        inFlight = Meter(label: "runhooks_requests_in_flight", factory: factory)
        missedSlots = Counter(label: "runhooks_missed_slots_total", factory: factory)
        concurrencyWaits = Counter(label: "runhooks_concurrency_waits_total", factory: factory)
        concurrencyDelays = Counter(label: "runhooks_concurrency_delays_total", factory: factory)
    }

    /// A scheduled slot was sent `lateness` after its time.
    func recordFire(lateness seconds: TimeInterval) {
        fires.increment()
        lateness.recordNanoseconds(Int64(max(0, seconds) * 1_000_000_000))
    }

    func recordAttempt(_ status: Execution.Status) {
        attempts[status]?.increment()
    }
}
