import Foundation
import HeapModule
import NIOCore
import NIOPosix
import RunhooksCore
import Synchronization

/// Wakes each shard's loop when its wheel's next timer is due, with one timer for the whole
/// engine instead of a sleeping task per shard. Alarms are rounded up to `granularityMs`, so
/// the shards due in the same few milliseconds wake together (a timer is taken off its wheel
/// a claim lead before its slot, so a few milliseconds later costs no lateness). With the
/// system clock the timer is an event loop's, which then hands the wake-ups straight to the
/// shards; with another clock (a test's) it is a task sleeping on that clock.
final class ShardAlarms: Sendable {
    private struct Alarm: Comparable {
        var deadline: Int64
        var owner: ObjectIdentifier
        var generation: UInt64

        static func < (lhs: Alarm, rhs: Alarm) -> Bool { lhs.deadline < rhs.deadline }
    }

    private enum Timer {
        case loop(Scheduled<Void>)
        case task(Task<Void, Never>)

        func cancel() {
            switch self {
            case .loop(let scheduled): scheduled.cancel()
            case .task(let task): task.cancel()
            }
        }
    }

    private struct State {
        var alarms = Heap<Alarm>()
        /// The alarm each wake-up holds now (alarms in the heap from before are stale).
        var current: [ObjectIdentifier: (generation: UInt64, deadline: Int64, wakeup: Wakeup)] = [:]
        var generations: UInt64 = 0
        var armedAt: Int64?
        var timer: Timer?
        var armings: UInt64 = 0
        /// Every sleeping task started (with another clock than the system's), until it ends:
        /// a re-arm cancels the last one, and shutdown waits for all of them.
        var sleepers: [UInt64: Task<Void, Never>] = [:]
        var shutDown = false
    }

    /// The longest the system-time timer waits before it reads the wall clock again.
    static let longestWaitMs: Int64 = 1000

    let clock: any WallClock
    let granularityMs: Int64
    private let loop: any EventLoop
    private let state = Mutex(State())

    init(clock: any WallClock, granularityMs: Int64, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.clock = clock
        self.granularityMs = max(0, granularityMs)
        self.loop = group.any()
    }

    /// Signals `wakeup` at `deadline` (milliseconds since 1970, rounded up to the granularity),
    /// replacing the alarm it held; at once if that time has come.
    func set(_ wakeup: Wakeup, at deadline: Int64) {
        let rounded = granularityMs > 0 ? (deadline + granularityMs - 1) / granularityMs * granularityMs : deadline
        let now = clock.now().millisecondsSince1970
        let dueNow = state.withLock { state -> Bool in
            let owner = ObjectIdentifier(wakeup)
            guard rounded > now, !state.shutDown else {
                state.current.removeValue(forKey: owner)
                return true
            }
            if state.current[owner]?.deadline == rounded { return false }
            state.generations += 1
            state.current[owner] = (state.generations, rounded, wakeup)
            state.alarms.insert(Alarm(deadline: rounded, owner: owner, generation: state.generations))
            if state.armedAt.map({ rounded < $0 }) ?? true { arm(at: rounded, now: now, in: &state) }
            return false
        }
        if dueNow { wakeup.signal() }
    }

    /// Drops the alarm `wakeup` holds.
    func cancel(_ wakeup: Wakeup) {
        state.withLock { _ = $0.current.removeValue(forKey: ObjectIdentifier(wakeup)) }
    }

    /// Stops the timer (and waits for its sleeping tasks, if any); alarms set later are ignored.
    func shutdown() async {
        let (timer, sleepers) = state.withLock { state -> (Timer?, [Task<Void, Never>]) in
            state.shutDown = true
            state.current = [:]
            state.alarms = Heap()
            state.armedAt = nil
            defer { state.timer = nil }
            return (state.timer, Array(state.sleepers.values))
        }
        timer?.cancel()
        for sleeper in sleepers {
            sleeper.cancel()
            await sleeper.value
        }
    }

    private func arm(at deadline: Int64, now: Int64, in state: inout State) {
        state.timer?.cancel()
        state.armings += 1
        let arming = state.armings
        state.armedAt = deadline
        if clock.isSystemTime {
            // One millisecond past the deadline: the loop's monotonic timer and the wall clock
            // do not tick together, and firing early would wake nobody. At most a second,
            // though: the monotonic timer does not see the wall clock step forward (an NTP
            // step, a virtual machine resumed), and a far deadline would then ring that much
            // late; ringing early only arms the timer again.
            let delay = TimeAmount.milliseconds(min(deadline - now + 1, Self.longestWaitMs))
            state.timer = .loop(loop.scheduleTask(in: delay) { [weak self] in self?.ring(arming) })
        } else {
            let clock = self.clock
            let sleeper = Task { [weak self] in
                if (try? await clock.sleep(until: Date(milliseconds: deadline))) != nil { self?.ring(arming) }
                self?.sleeperEnded(arming)
            }
            state.sleepers[arming] = sleeper
            state.timer = .task(sleeper)
        }
    }

    private func sleeperEnded(_ arming: UInt64) {
        state.withLock { _ = $0.sleepers.removeValue(forKey: arming) }
    }

    /// Signals every alarm that is due and arms the timer for the next one.
    private func ring(_ arming: UInt64) {
        // To the nearest millisecond: `Date` does not give back the exact milliseconds it was
        // made from, and a deadline read as 1 ms in the future would re-arm forever.
        let now = Int64((clock.now().timeIntervalSince1970 * 1000).rounded())
        let due = state.withLock { state -> [Wakeup] in
            guard arming == state.armings, !state.shutDown else { return [] }
            state.armedAt = nil
            state.timer = nil
            var due: [Wakeup] = []
            while let first = state.alarms.min {
                guard let holder = state.current[first.owner], holder.generation == first.generation else {
                    state.alarms.removeMin()
                    continue
                }
                guard first.deadline <= now else {
                    arm(at: first.deadline, now: now, in: &state)
                    break
                }
                state.alarms.removeMin()
                state.current.removeValue(forKey: first.owner)
                due.append(holder.wakeup)
            }
            return due
        }
        for wakeup in due { wakeup.signal() }
    }
}
