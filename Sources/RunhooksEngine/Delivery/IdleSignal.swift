import Synchronization

/// Counts work in progress and lets tasks wait until there is none. Unlike a continuation kept
/// in an actor, a wait here ends when the waiting task is cancelled, so it can be raced
/// against a timeout in a task group.
final class IdleSignal: Sendable {
    private struct State {
        var busy = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    var isIdle: Bool { state.withLock { $0.busy == 0 } }

    func enter() {
        state.withLock { $0.busy += 1 }
    }

    func leave() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.busy -= 1
            guard state.busy == 0 else { return [] }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once nothing is in progress, or as soon as the calling task is cancelled.
    func waitUntilIdle() async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.busy == 0 || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}

/// Runs `body` until it returns or `timeout` passes; true if it returned. `body` must end
/// promptly when cancelled (the group waits for it).
@discardableResult
func withTimeout(_ timeout: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
    await withTaskGroup(of: Bool.self) { group in
        group.addTask {
            await body()
            return !Task.isCancelled
        }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return false
        }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
    }
}

/// Thrown when work did not finish in time.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public var description: String { "no answer in time" }
}
