import Testing

@testable import RunhooksCore

@Suite struct TimingWheelTests {
    @Test func firesAtTheDeadlineNotBefore() {
        var wheel = KeyedTimingWheel<Int, String>(startTime: 1_000)
        wheel.schedule(1, at: 1_500, payload: "a")
        // A wake-up may come early for a higher level to cascade; it never comes late.
        while let next = wheel.nextExpiration, next < 1_500 {
            #expect(wheel.advance(to: next).isEmpty)
        }
        #expect(wheel.nextExpiration == 1_500)
        #expect(wheel.advance(to: 1_499).isEmpty)
        #expect(wheel.advance(to: 1_500).map(\.payload) == ["a"])
        #expect(wheel.isEmpty && wheel.nextExpiration == nil)
    }

    @Test func farDeadlinesCascadeThroughLevels() {
        var wheel = KeyedTimingWheel<Int, Int>(startTime: 0, slotsPerLevel: 8)
        let deadlines: [Int64] = [3, 9, 64, 65, 511, 4_097, 1_000_000]
        for (key, deadline) in deadlines.enumerated() { wheel.schedule(key, at: deadline, payload: key) }
        var fired: [Int64] = []
        while let next = wheel.nextExpiration {
            fired += wheel.advance(to: next).map(\.deadline)
        }
        #expect(fired == deadlines)
    }

    @Test func cancelAndRescheduleByKey() {
        var wheel = KeyedTimingWheel<String, Int>(startTime: 0)
        wheel.schedule("job", at: 100, payload: 1)
        wheel.schedule("other", at: 100, payload: 2)
        let cancelled = wheel.cancel("job")
        let again = wheel.cancel("job")
        #expect(cancelled && !again)
        wheel.schedule("other", at: 300, payload: 3)
        #expect(wheel.count == 1 && wheel.deadline(of: "other") == 300)
        #expect(wheel.advance(to: 200).isEmpty)
        #expect(wheel.advance(to: 300).map(\.payload) == [3])
    }

    @Test func aSparseWheelWakesOnlyAtDeadlines() {
        var wheel = KeyedTimingWheel<Int, Int>(startTime: 0)
        let deadlines: [Int64] = [90_000, 3_600_000, 7, 86_400_000 * 400, 65_536, 65_537]
        for (key, deadline) in deadlines.enumerated() { wheel.schedule(key, at: deadline, payload: key) }
        var wakeUps: [Int64] = []
        var fired: [Int64] = []
        while let next = wheel.nextExpiration {
            wakeUps.append(next)
            fired += wheel.advance(to: next).map(\.deadline)
        }
        // The first wake-up sorts the nearest bucket; every later one fires a timer.
        #expect(fired == deadlines.sorted())
        #expect(Array(wakeUps.dropFirst()) == deadlines.sorted())
    }

    @Test func aTimerScheduledInsideTheSortedBucketFiresInOrder() {
        var wheel = KeyedTimingWheel<String, Int>(startTime: 0)
        wheel.schedule("b", at: 200, payload: 0)
        #expect(wheel.advance(to: 100).isEmpty)  // pulls the bucket [0, 256) into the sorted run
        wheel.schedule("a", at: 150, payload: 0)
        wheel.schedule("c", at: 250, payload: 0)
        wheel.schedule("overdue", at: 50, payload: 0)
        #expect(wheel.nextExpiration == 100)
        #expect(wheel.advance(to: 100).map(\.key) == ["overdue"])
        #expect(wheel.nextExpiration == 150)
        #expect(wheel.advance(to: 300).map(\.key) == ["a", "b", "c"])
    }

    @Test func aCancelledTimerDoesNotHoldTheNextWakeUp() {
        var wheel = KeyedTimingWheel<Int, Int>(startTime: 0)
        wheel.schedule(1, at: 1_000, payload: 1)
        wheel.schedule(2, at: 5_000, payload: 2)
        #expect(wheel.advance(to: 10).isEmpty)
        wheel.cancel(1)
        #expect(wheel.advance(to: 20).isEmpty)
        #expect(wheel.nextExpiration == 5_000)
    }

    /// Thousands of timers in one bucket: it fills several chunks where it is scheduled and
    /// again where it cascades, and still fires every live timer once, in order.
    @Test(arguments: [8, 256])
    func aCrowdedBucketFiresEveryTimerInOrder(slotsPerLevel: Int) {
        var wheel = KeyedTimingWheel<Int, Int64>(startTime: 0, slotsPerLevel: slotsPerLevel)
        var model: [Int: Int64] = [:]
        for key in 0..<3_000 {
            let deadline: Int64 = 5_000_000 + Int64(key % 7) + (key.isMultiple(of: 3) ? 100_000 : 0)
            wheel.schedule(key, at: deadline, payload: deadline)
            model[key] = deadline
        }
        for key in stride(from: 0, to: 3_000, by: 11) {
            wheel.cancel(key)
            model.removeValue(forKey: key)
        }
        var fired: [(key: Int, deadline: Int64)] = []
        while let next = wheel.nextExpiration {
            fired += wheel.advance(to: next).map { ($0.key, $0.deadline) }
        }
        #expect(fired.count == model.count)
        #expect(Set(fired.map(\.key)) == Set(model.keys))
        #expect(fired.map(\.deadline) == model.values.sorted())
        #expect(wheel.isEmpty)
    }

    @Test func pastDeadlinesFireOnTheNextAdvance() {
        var wheel = KeyedTimingWheel<Int, Int>(startTime: 10_000)
        wheel.schedule(1, at: 5, payload: 1)
        #expect(wheel.nextExpiration == 10_000)
        #expect(wheel.advance(to: 10_000).map(\.key) == [1])
    }

    /// Years of simulated time with random inserts, cancels and advances, checked after every
    /// step against a plain dictionary of deadlines.
    @Test(arguments: [UInt64(1), 2, 3, 42])
    func matchesASortedModelOverYears(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let year: Int64 = 365 * 86_400_000
        var wheel = KeyedTimingWheel<Int, Int64>(startTime: 0, slotsPerLevel: seed.isMultiple(of: 2) ? 64 : 256)
        var model: [Int: Int64] = [:]
        var now: Int64 = 0
        var nextKey = 0
        for _ in 0..<20_000 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5:
                let horizon: Int64 = [1_000, 60_000, 86_400_000, 3 * year].randomElement(using: &random)!
                let deadline = now + Int64.random(in: -10...horizon, using: &random)
                let key = Bool.random(using: &random) && !model.isEmpty ? model.keys.randomElement(using: &random)! : nextKey
                nextKey += 1
                wheel.schedule(key, at: deadline, payload: deadline)
                model[key] = deadline
            case 5..<7:
                guard let key = model.keys.randomElement(using: &random) else { continue }
                let wasPending = wheel.cancel(key)
                #expect(wasPending == (model.removeValue(forKey: key) != nil))
            default:
                let step: Int64 = [1, 250, 70_000, 5 * 86_400_000, year / 2].randomElement(using: &random)!
                now += Int64.random(in: 0...step, using: &random)
                let fired = wheel.advance(to: now)
                let due = model.filter { $0.value <= now }
                #expect(Set(fired.map(\.key)) == Set(due.keys))
                #expect(fired.allSatisfy { $0.payload == $0.deadline && $0.deadline <= now })
                #expect(fired.map(\.deadline) == fired.map(\.deadline).sorted())
                for key in due.keys { model.removeValue(forKey: key) }
                // Right after an advance the next expiration is exact: not a wake-up too early
                // (a cascade, a cancelled timer) nor one too late.
                #expect(wheel.nextExpiration == model.values.min())
            }
            #expect(wheel.count == model.count)
        }
        while let next = wheel.nextExpiration {
            let fired = wheel.advance(to: max(next, now))
            now = max(next, now)
            for timer in fired {
                #expect(model.removeValue(forKey: timer.key) == timer.deadline)
                #expect(timer.deadline <= now)
            }
        }
        #expect(model.isEmpty)
    }
}
