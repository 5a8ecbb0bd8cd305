import Foundation
import Testing

@testable import RunhooksCore

struct PassedSlotsTests {
    let anchor = Date(milliseconds: 1_774_612_800_000)  // 2026-03-27T12:00:00Z

    func job(_ schedule: Schedule) -> Job {
        Job(
            id: "job", userId: "user", name: "job", description: nil, schedule: schedule,
            httpConfig: HTTPConfig(url: "https://example.com/hook", method: .POST, headers: nil, body: nil, timeoutMs: 5000),
            retryPolicy: RetryPolicy(maxRetries: 0, initialDelay: 1000, backoffMultiplier: 2, maxDelay: 60_000),
            status: .active, tags: [], createdAt: anchor, updatedAt: anchor, anchorAt: anchor)
    }

    @Test func anIntervalsLatestSlotAndCountAreComputed() {
        let everyMinute = job(Schedule(kind: .interval, expression: "60000"))
        let first = anchor + 60
        #expect(everyMinute.passedSlots(from: first, upTo: first) == (first, 1))
        #expect(everyMinute.passedSlots(from: first, upTo: first + 59.999) == (first, 1))
        #expect(everyMinute.passedSlots(from: first, upTo: first + 300 + 30) == (first + 300, 6))
    }

    @Test func aCronsSlotsAreCountedUpToTheLimit() {
        let hourly = job(Schedule(kind: .cron, expression: "0 * * * *"))
        let first = anchor + 3600
        #expect(hourly.passedSlots(from: first, upTo: first + 3 * 3600 + 5) == (first + 3 * 3600, 4))
        #expect(hourly.passedSlots(from: first, upTo: first + 10 * 3600, countLimit: 3) == (first + 2 * 3600, 3))
    }
}
