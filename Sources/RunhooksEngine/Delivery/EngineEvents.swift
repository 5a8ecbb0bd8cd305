import Foundation
import Synchronization

/// Running totals of what the engine has done, with a way to wait for a total to be reached
/// (tests wait on these instead of sleeping). A lock, not an actor: every fire records here,
/// and recording must not cost a task per fire.
public final class EngineEvents: Sendable {
    public enum Kind: Sendable, Hashable {
        /// An attempt was claimed in the store (it is about to be sent).
        case attemptClaimed
        /// An attempt finished and its result was handed to the journal.
        case attemptFinished
        /// The store failed an attempt's claim or its tenant's plan or quota read; the attempt
        /// tries again shortly.
        case attemptWaitedForStore
        /// The store failed an attempt for longer than the claim window: nothing was sent, and
        /// its shard tries the slot again later.
        case attemptNotClaimed
        /// An alert notice was sent (or given up) and recorded.
        case alertRecorded
    }

    private struct Waiter {
        let id: UUID
        let kind: Kind
        let target: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var totals: [Kind: Int] = [:]
        var waiters: [Waiter] = []
    }

    private let state = Mutex(State())

    public init() {}

    public func total(_ kind: Kind) -> Int { state.withLock { $0.totals[kind, default: 0] } }

    public var attemptsFinished: Int { total(.attemptFinished) }

    func record(_ kind: Kind) {
        let ready = state.withLock { state -> [Waiter] in
            state.totals[kind, default: 0] += 1
            let reached = state.totals[kind, default: 0]
            guard !state.waiters.isEmpty else { return [] }
            let ready = state.waiters.filter { $0.kind == kind && $0.target <= reached }
            state.waiters.removeAll { $0.kind == kind && $0.target <= reached }
            return ready
        }
        for waiter in ready { waiter.continuation.resume(returning: true) }
    }

    /// Waits until at least `target` events of `kind` have happened; false if `timeout` passes first.
    public func waitFor(_ kind: Kind, total target: Int, timeout: Duration = .seconds(20)) async -> Bool {
        let id = UUID()
        return await withCheckedContinuation { continuation in
            let reached = state.withLock { state -> Bool in
                if state.totals[kind, default: 0] >= target { return true }
                state.waiters.append(Waiter(id: id, kind: kind, target: target, continuation: continuation))
                return false
            }
            if reached {
                continuation.resume(returning: true)
                return
            }
            Task {
                try? await Task.sleep(for: timeout)
                self.expire(id)
            }
        }
    }

    private func expire(_ id: UUID) {
        let expired = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        expired?.continuation.resume(returning: false)
    }
}
