import Synchronization

/// A set of running tasks that someone waits for: `finish` waits for them all (cancelling
/// those still running after a timeout), so no task outlives its owner's shutdown.
final class OwnedTasks: Sendable {
    private struct State {
        var tasks: [Int: Task<Void, Never>] = [:]
        var launched = 0
        var finished = false
    }

    private let state = Mutex(State())
    private let activity = IdleSignal()

    /// Runs `body` in a task of its own, then `afterEnd` once that task no longer counts as
    /// running; false once `finish` has begun.
    @discardableResult
    func run(_ body: @escaping @Sendable () async -> Void, afterEnd: @escaping @Sendable () -> Void = {}) -> Bool {
        state.withLock { state in
            guard !state.finished else { return false }
            state.launched += 1
            let id = state.launched
            activity.enter()
            state.tasks[id] = Task {
                await body()
                self.ended(id)
                afterEnd()
            }
            return true
        }
    }

    private func ended(_ id: Int) {
        _ = state.withLock { $0.tasks.removeValue(forKey: id) }
        activity.leave()
    }

    var count: Int { state.withLock { $0.tasks.count } }

    /// Returns once no task is running.
    func waitUntilIdle() async {
        await activity.waitUntilIdle()
    }

    /// Refuses new tasks, waits up to `timeout` for the running ones, then cancels the rest and
    /// waits for them to return.
    func finish(timeout: Duration) async {
        let tasks = state.withLock { state in
            state.finished = true
            return Array(state.tasks.values)
        }
        guard !tasks.isEmpty else { return }
        let activity = self.activity
        if await withTimeout(timeout, { await activity.waitUntilIdle() }) { return }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }
}
