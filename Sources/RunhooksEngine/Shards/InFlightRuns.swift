/// Counts runs in progress so a shutdown can wait for them (with a bound).
public actor InFlightRuns {
    private(set) var count = 0
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    public init() {}

    func begin() { count += 1 }

    func end() {
        count -= 1
        if count == 0 {
            let waiters = idleWaiters
            idleWaiters = []
            for waiter in waiters { waiter.resume() }
        }
    }

    /// Returns when no run is in progress.
    func waitUntilIdle() async {
        guard count > 0 else { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }
}
