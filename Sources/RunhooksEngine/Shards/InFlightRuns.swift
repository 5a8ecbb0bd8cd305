/// Bounds how many runs the engine has in progress and counts them, so a saturated node
/// fires late rather than piling up unbounded work, and a shutdown can wait for the rest.
public actor InFlightRuns {
    public let capacity: Int
    private(set) var count = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    public static let defaultCapacity = 4096

    public init(capacity: Int = InFlightRuns.defaultCapacity) {
        self.capacity = capacity
    }

    /// Takes a place, waiting (first come, first served) while all are taken.
    func acquire() async {
        if count < capacity && waiters.isEmpty {
            count += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Takes up to `count` places at once without waiting; returns how many it took.
    func acquire(upTo count: Int) -> Int {
        guard waiters.isEmpty else { return 0 }
        let granted = max(0, min(count, capacity - self.count))
        self.count += granted
        return granted
    }

    /// Takes a place even when all are taken (runs a user asked for: replay, trigger).
    func acquireNow() { count += 1 }

    func end() {
        if !waiters.isEmpty, count <= capacity {
            waiters.removeFirst().resume()  // the place passes straight to the next waiter
            return
        }
        count -= 1
        if count == 0 {
            let waiting = idleWaiters
            idleWaiters = []
            for waiter in waiting { waiter.resume() }
        }
    }

    /// Returns when no run is in progress.
    func waitUntilIdle() async {
        guard count > 0 else { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }
}
