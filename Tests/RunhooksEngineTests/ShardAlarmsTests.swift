import Foundation
import RunhooksCore
import Synchronization
import Testing

@testable import RunhooksEngine

/// One timer wakes every shard whose wheel has a timer due, in steps of the granularity.
struct ShardAlarmsTests {
    @Test func alarmsRingInOrderRoundedUpToTheirStep() async throws {
        let clock = ManualWallClock(Date(milliseconds: 1_000_000))
        let alarms = ShardAlarms(clock: clock, granularityMs: 5)
        let first = Wakeup()
        let second = Wakeup()
        alarms.set(second, at: 1_000_030)
        alarms.set(first, at: 1_000_012)
        clock.set(Date(milliseconds: 1_000_014))
        clock.set(Date(milliseconds: 1_000_015))
        #expect(await withTimeout(.seconds(10)) { await first.wait() })
        #expect(!second.isPending)
        clock.set(Date(milliseconds: 1_000_030))
        #expect(await withTimeout(.seconds(10)) { await second.wait() })
        await alarms.shutdown()
    }

    @Test func aNewAlarmReplacesTheOldOneAndAPastOneRingsAtOnce() async throws {
        let clock = ManualWallClock(Date(milliseconds: 2_000_000))
        let alarms = ShardAlarms(clock: clock, granularityMs: 0)
        let wakeup = Wakeup()
        alarms.set(wakeup, at: 2_000_010)
        alarms.set(wakeup, at: 2_000_050)
        let other = Wakeup()
        alarms.set(other, at: 2_000_020)
        clock.set(Date(milliseconds: 2_000_020))
        #expect(await withTimeout(.seconds(10)) { await other.wait() })
        #expect(!wakeup.isPending, "its alarm at 10 was replaced by the one at 50")
        alarms.set(wakeup, at: 1_999_000)
        #expect(wakeup.isPending)
        await alarms.shutdown()
    }

    @Test func withTheSystemClockAnEventLoopRingsThem() async throws {
        let alarms = ShardAlarms(clock: SystemWallClock(), granularityMs: 5)
        let wakeup = Wakeup()
        let deadline = Date().millisecondsSince1970 + 30
        alarms.set(wakeup, at: deadline)
        #expect(await withTimeout(.seconds(10)) { await wakeup.wait() })
        #expect(Date().millisecondsSince1970 >= deadline)
        await alarms.shutdown()
    }

    @Test func anAlarmRingsSoonAfterTheWallClockStepsPastIt() async throws {
        let clock = SteppedSystemClock()
        let alarms = ShardAlarms(clock: clock, granularityMs: 0)
        let wakeup = Wakeup()
        alarms.set(wakeup, at: clock.now().millisecondsSince1970 + 3_600_000)
        #expect(!wakeup.isPending)
        // An hour later by the wall clock, at once by the monotonic one.
        clock.step(by: 3601)
        let rang = await withTimeout(.seconds(20)) { await wakeup.wait() }
        #expect(rang, "the alarm did not ring within 20 s of the step")
        await alarms.shutdown()
    }
}

/// The system clock, but for a step the test makes (as an NTP step or a resumed virtual
/// machine would): a test double for what the alarms read as the wall clock.
final class SteppedSystemClock: WallClock {
    private let offset = Mutex<TimeInterval>(0)

    func step(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
    func now() -> Date { Date() + offset.withLock { $0 } }
    var isSystemTime: Bool { true }
    func sleep(until deadline: Date) async throws {
        try await Task.sleep(for: .seconds(max(0, deadline.timeIntervalSince(now()))))
    }
}
