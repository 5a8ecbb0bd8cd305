import CoreMetrics
import Synchronization

/// Counts gossip frames dropped for a MAC that did not verify (for the metric, and for tests
/// that wait for a count).
final class FrameRejections: Sendable {
    private struct State {
        var count = 0
        var waiters: [Int: (atLeast: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())
    private let counter: Counter

    init(metrics: any MetricsFactory) {
        counter = Counter(label: "runhooks_gossip_frames_rejected_total", factory: metrics)
    }

    var count: Int { state.withLock { $0.count } }

    @Sendable func record() {
        counter.increment()
        let ready = state.withLock { state in
            state.count += 1
            let ready = state.waiters.filter { $0.value.atLeast <= state.count }
            for id in ready.keys { state.waiters.removeValue(forKey: id) }
            return ready.values.map(\.continuation)
        }
        for waiter in ready { waiter.resume() }
    }

    /// Returns once `atLeast` frames have been rejected, or as soon as the task is cancelled.
    func wait(atLeast: Int) async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.count >= atLeast || Task.isCancelled { return true }
                    state.waiters[id] = (atLeast, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume()
        }
    }
}
