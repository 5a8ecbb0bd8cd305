/// Running totals of what the engine has done, with a way to wait for a total to be reached
/// (tests wait on these instead of sleeping).
public actor EngineEvents {
    public enum Kind: Sendable, Hashable {
        /// An attempt was claimed in the store (it is about to be sent).
        case attemptClaimed
        /// An attempt finished and its result was handed to the journal.
        case attemptFinished
        /// An alert notice was sent (or given up) and recorded.
        case alertRecorded
    }

    private var totals: [Kind: Int] = [:]
    private var waiters: [(kind: Kind, target: Int, continuation: CheckedContinuation<Bool, Never>)] = []

    public init() {}

    public func total(_ kind: Kind) -> Int { totals[kind, default: 0] }

    public var attemptsFinished: Int { total(.attemptFinished) }

    func record(_ kind: Kind) {
        totals[kind, default: 0] += 1
        let reached = totals[kind, default: 0]
        let ready = waiters.filter { $0.kind == kind && $0.target <= reached }
        waiters.removeAll { $0.kind == kind && $0.target <= reached }
        for waiter in ready { waiter.continuation.resume(returning: true) }
    }

    /// Waits until at least `target` events of `kind` have happened; false if `timeout` passes first.
    public func waitFor(_ kind: Kind, total target: Int, timeout: Duration = .seconds(20)) async -> Bool {
        if total(kind) >= target { return true }
        return await withCheckedContinuation { continuation in
            waiters.append((kind, target, continuation))
            Task {
                try? await Task.sleep(for: timeout)
                self.expire(kind, target)
            }
        }
    }

    private func expire(_ kind: Kind, _ target: Int) {
        guard total(kind) < target,
            let index = waiters.firstIndex(where: { $0.kind == kind && $0.target == target })
        else { return }
        waiters.remove(at: index).continuation.resume(returning: false)
    }
}
