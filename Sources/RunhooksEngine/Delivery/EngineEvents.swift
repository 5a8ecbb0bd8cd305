/// Running totals of what the engine has done, with a way to wait for a total to be reached
/// (tests wait on these instead of sleeping; the metrics endpoint reads them).
public actor EngineEvents {
    public private(set) var attemptsFinished = 0
    private var waiters: [(target: Int, continuation: CheckedContinuation<Bool, Never>)] = []

    public init() {}

    func attemptFinished() {
        attemptsFinished += 1
        let ready = waiters.filter { $0.target <= attemptsFinished }
        waiters.removeAll { $0.target <= attemptsFinished }
        for waiter in ready { waiter.continuation.resume(returning: true) }
    }

    /// Waits until at least `total` attempts have finished; false if `timeout` passes first.
    public func waitForAttempts(_ total: Int, timeout: Duration = .seconds(20)) async -> Bool {
        if attemptsFinished >= total { return true }
        return await withCheckedContinuation { continuation in
            waiters.append((total, continuation))
            Task {
                try? await Task.sleep(for: timeout)
                self.expire(total)
            }
        }
    }

    private func expire(_ total: Int) {
        guard attemptsFinished < total, let index = waiters.firstIndex(where: { $0.target == total }) else { return }
        waiters.remove(at: index).continuation.resume(returning: false)
    }
}
