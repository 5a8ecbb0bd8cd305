import Synchronization

/// The attempt tasks a shard launched that have not returned: the shard owns them, so a
/// hand-over can wait for them or, past its drain timeout, cancel them. A lock rather than
/// the shard actor's state: an attempt that ends takes itself off here on its own event loop,
/// instead of hopping to the actor (and waking a thread of the pool) once per fire.
final class AttemptTasks: Sendable {
    private struct State {
        var tasks: [Int: Task<Void, Never>] = [:]
        var launches = 0
    }

    private let state = Mutex(State())
    private let activity = IdleSignal()

    /// Runs `body` in a task of its own on `executor`.
    func launch(on executor: any TaskExecutor, _ body: @escaping @Sendable () async -> Void) {
        activity.enter()
        // Created under the lock: a task that ends at once waits for its own entry to be made
        // before it takes it off.
        state.withLock { state in
            state.launches += 1
            let launch = state.launches
            state.tasks[launch] = Task(executorPreference: executor) {
                await body()
                self.state.withLock { _ = $0.tasks.removeValue(forKey: launch) }
                self.activity.leave()
            }
        }
    }

    /// Cancels every attempt still running.
    func cancelAll() {
        for task in state.withLock({ Array($0.tasks.values) }) { task.cancel() }
    }

    /// Returns once every attempt launched so far has returned.
    func waitForAll() async {
        for task in state.withLock({ Array($0.tasks.values) }) { await task.value }
    }

    /// Returns once no attempt is running, or as soon as the calling task is cancelled.
    func waitUntilIdle() async {
        await activity.waitUntilIdle()
    }
}
