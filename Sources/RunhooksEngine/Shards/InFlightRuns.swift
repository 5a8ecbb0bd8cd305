import Synchronization

/// Bounds how many runs the engine has in progress and counts them, so a saturated node
/// fires late rather than piling up unbounded work, and a shutdown can wait for the rest.
/// A lock, not an actor: every fire takes and gives back a place, and a visit to an actor
/// would cost each fire a hop between threads.
public final class InFlightRuns: Sendable {
    public let capacity: Int

    private struct State {
        var count = 0
        /// In arrival order; a waiter whose task is cancelled leaves.
        var waiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextWaiter = 0
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    public static let defaultCapacity = 4096

    public init(capacity: Int = InFlightRuns.defaultCapacity) {
        self.capacity = capacity
    }

    var count: Int { state.withLock { $0.count } }

    /// Takes a place, waiting (first come, first served) while all are taken. Returns false,
    /// without a place, if the calling task is cancelled first (its shard is stopping).
    func acquire() async -> Bool {
        let id = state.withLock { state -> Int? in
            guard state.count >= capacity || !state.waiters.isEmpty else {
                state.count += 1
                return nil
            }
            state.nextWaiter += 1
            return state.nextWaiter
        }
        guard let id else { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool? in
                    if Task.isCancelled { return false }
                    // A place may have come free since the first look.
                    if state.count < capacity && state.waiters.isEmpty {
                        state.count += 1
                        return true
                    }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: false)
        }
    }

    /// Takes up to `count` places at once without waiting; returns how many it took.
    func acquire(upTo count: Int) -> Int {
        state.withLock { state in
            guard state.waiters.isEmpty else { return 0 }
            let granted = max(0, min(count, capacity - state.count))
            state.count += granted
            return granted
        }
    }

    /// Takes a place even when all are taken (runs a user asked for: replay, trigger).
    func acquireNow() {
        state.withLock { $0.count += 1 }
    }

    func end() {
        let (next, idle) = state.withLock { state -> (CheckedContinuation<Bool, Never>?, [CheckedContinuation<Void, Never>]) in
            if !state.waiters.isEmpty, state.count <= capacity {
                return (state.waiters.removeFirst().continuation, [])  // the place passes straight to the next waiter
            }
            state.count -= 1
            guard state.count == 0 else { return (nil, []) }
            defer { state.idleWaiters = [] }
            return (nil, state.idleWaiters)
        }
        next?.resume(returning: true)
        for waiter in idle { waiter.resume() }
    }

    /// Returns when no run is in progress.
    func waitUntilIdle() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state -> Bool in
                guard state.count > 0 else { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
