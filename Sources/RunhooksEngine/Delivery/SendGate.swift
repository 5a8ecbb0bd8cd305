import Foundation
import HeapModule
import RunhooksCore
import Synchronization

/// Holds claimed attempts until their send time when the engine's clock is not the system's (a
/// test's manual clock; otherwise the event loop that writes a request holds it), with one
/// sleeping task for the whole engine instead of one timer per attempt: waiters are grouped by
/// millisecond and released together.
/// A lock, not an actor, so an attempt passing through costs no hop between threads.
final class SendGate: Sendable {
    private struct State {
        var waiters: [Int64: [CheckedContinuation<Void, Never>]] = [:]
        var times = Heap<Int64>()
        var driver: Task<Void, Never>?
        var driverTarget: Int64?
        var generation = 0
        var shutDown = false
    }

    private let clock: any WallClock
    private let state = Mutex(State())

    init(clock: any WallClock) {
        self.clock = clock
    }

    /// Returns at `deadline` (milliseconds since 1970), or at once if it has passed.
    func wait(until deadline: Int64) async {
        guard deadline > clock.now().millisecondsSince1970 else { return }
        await withCheckedContinuation { continuation in
            let released = state.withLock { state -> Bool in
                if state.shutDown { return true }
                if state.waiters[deadline] == nil { state.times.insert(deadline) }
                state.waiters[deadline, default: []].append(continuation)
                // A driver that sleeps until `deadline` or earlier releases this waiter too, since
                // it looks again when it wakes; a deadline that passes meanwhile is released at once.
                if state.driverTarget.map({ deadline < $0 }) ?? true { startDriver(at: deadline, in: &state) }
                return false
            }
            if released { continuation.resume() }
        }
    }

    /// Stops the sleeping driver and waits for it; waiters still held are released at once
    /// (after a hand-over their attempts were cancelled, and they only check that and return).
    func shutdown() async {
        let (driver, waiting) = state.withLock { state -> (Task<Void, Never>?, [CheckedContinuation<Void, Never>]) in
            state.shutDown = true
            let driver = state.driver
            state.driver = nil
            state.driverTarget = nil
            state.generation += 1
            let waiting = state.waiters.values.flatMap { $0 }
            state.waiters = [:]
            state.times = Heap()
            return (driver, waiting)
        }
        driver?.cancel()
        await driver?.value
        for waiter in waiting { waiter.resume() }
    }

    private func startDriver(at target: Int64, in state: inout State) {
        guard !state.shutDown else { return }
        state.driver?.cancel()
        state.generation += 1
        let generation = state.generation
        let clock = self.clock
        state.driverTarget = target
        state.driver = Task { [weak self] in
            do {
                try await clock.sleep(until: Date(milliseconds: target))
            } catch {
                return
            }
            self?.releaseDue(generation: generation)
        }
    }

    /// Resumes every waiter whose time has come; the driver (`generation`) then sleeps until
    /// the next one.
    private func releaseDue(generation: Int) {
        let now = clock.now().millisecondsSince1970
        let due = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var due: [CheckedContinuation<Void, Never>] = []
            while let first = state.times.min, first <= now {
                state.times.removeMin()
                due += state.waiters.removeValue(forKey: first) ?? []
            }
            if generation == state.generation {
                state.driver = nil
                state.driverTarget = nil
                if let next = state.times.min { startDriver(at: next, in: &state) }
            }
            return due
        }
        for waiter in due { waiter.resume() }
    }
}
