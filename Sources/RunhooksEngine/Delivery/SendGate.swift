import Foundation
import HeapModule
import RunhooksCore

/// Holds claimed attempts until their send time, with one sleeping task for the whole engine
/// instead of one timer per attempt: waiters are grouped by millisecond and released together.
actor SendGate {
    private let clock: any WallClock
    private var waiters: [Int64: [CheckedContinuation<Void, Never>]] = [:]
    private var times = Heap<Int64>()
    private var driver: Task<Void, Never>?
    private var driverTarget: Int64?
    private var generation = 0

    init(clock: any WallClock) {
        self.clock = clock
    }

    /// Returns at `deadline` (milliseconds since 1970), or at once if it has passed.
    func wait(until deadline: Int64) async {
        guard deadline > clock.now().millisecondsSince1970 else { return }
        await withCheckedContinuation { continuation in
            if waiters[deadline] == nil { times.insert(deadline) }
            waiters[deadline, default: []].append(continuation)
            if driverTarget.map({ deadline < $0 }) ?? true { startDriver(at: deadline) }
        }
    }

    private func startDriver(at target: Int64) {
        driver?.cancel()
        generation += 1
        let generation = self.generation
        let clock = self.clock
        driverTarget = target
        driver = Task { [weak self] in
            do {
                try await clock.sleep(until: Date(milliseconds: target))
            } catch {
                return
            }
            await self?.releaseDue(generation: generation)
        }
    }

    private func releaseDue(generation: Int) {
        let now = clock.now().millisecondsSince1970
        while let first = times.min, first <= now {
            times.removeMin()
            for waiter in waiters.removeValue(forKey: first) ?? [] { waiter.resume() }
        }
        guard generation == self.generation else { return }
        driver = nil
        driverTarget = nil
        if let next = times.min { startDriver(at: next) }
    }
}
