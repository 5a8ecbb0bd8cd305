import Foundation
import Testing

@testable import RunhooksCore

@Suite struct CronExpressionTests {
    let utc = TimeZone(identifier: "UTC")!

    func date(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)!
    }

    func fires(_ expression: String, after start: String, count: Int, zone: String = "UTC") throws -> [String] {
        let cron = try CronExpression(expression)
        let timeZone = TimeZone(identifier: zone)!
        var cursor = date(start)
        var result: [String] = []
        for _ in 0..<count {
            guard let next = cron.nextFire(after: cursor, in: timeZone) else { break }
            result.append(next.iso8601Milliseconds)
            cursor = next
        }
        return result
    }

    @Test func everyFiveMinutes() throws {
        #expect(
            try fires("*/5 * * * *", after: "2025-01-15T12:03:30Z", count: 3) == [
                "2025-01-15T12:05:00.000Z", "2025-01-15T12:10:00.000Z", "2025-01-15T12:15:00.000Z",
            ])
    }

    @Test func strictlyAfterTheGivenInstant() throws {
        #expect(try fires("0 * * * *", after: "2025-01-15T12:00:00Z", count: 1) == ["2025-01-15T13:00:00.000Z"])
    }

    @Test func rangesListsAndSteps() throws {
        #expect(
            try fires("10-20/5,45 9 * * *", after: "2025-01-15T00:00:00Z", count: 5) == [
                "2025-01-15T09:10:00.000Z", "2025-01-15T09:15:00.000Z", "2025-01-15T09:20:00.000Z",
                "2025-01-15T09:45:00.000Z", "2025-01-16T09:10:00.000Z",
            ])
    }

    @Test func monthAndWeekdayNames() throws {
        // 2025-03-03 is a Monday.
        #expect(
            try fires("0 8 * mar MON-wed", after: "2025-02-27T00:00:00Z", count: 4) == [
                "2025-03-03T08:00:00.000Z", "2025-03-04T08:00:00.000Z", "2025-03-05T08:00:00.000Z",
                "2025-03-10T08:00:00.000Z",
            ])
    }

    @Test func sevenIsSunday() throws {
        #expect(try CronExpression("0 0 * * 7").daysOfWeek.bits == CronExpression("0 0 * * 0").daysOfWeek.bits)
        #expect(try fires("0 0 * * 7", after: "2025-01-15T00:00:00Z", count: 1) == ["2025-01-19T00:00:00.000Z"])
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothRestricted() throws {
        // The 1st of the month or any Friday (Vixie cron semantics).
        #expect(
            try fires("0 0 1 * 5", after: "2025-01-29T00:00:00Z", count: 3) == [
                "2025-01-31T00:00:00.000Z", "2025-02-01T00:00:00.000Z", "2025-02-07T00:00:00.000Z",
            ])
        // With a star in day-of-week only the day of month counts.
        #expect(try fires("0 0 13 * *", after: "2025-01-29T00:00:00Z", count: 1) == ["2025-02-13T00:00:00.000Z"])
    }

    @Test func leapDay() throws {
        #expect(try fires("0 0 29 2 *", after: "2025-01-01T00:00:00Z", count: 2) == [
            "2028-02-29T00:00:00.000Z", "2032-02-29T00:00:00.000Z",
        ])
    }

    @Test func neverMatchingExpressionHasNoNextFire() throws {
        #expect(try CronExpression("0 0 30 2 *").nextFire(after: date("2025-01-01T00:00:00Z"), in: utc) == nil)
    }

    @Test func aliases() throws {
        #expect(try fires("@daily", after: "2025-01-15T12:00:00Z", count: 1) == ["2025-01-16T00:00:00.000Z"])
        #expect(try fires("@hourly", after: "2025-01-15T12:00:00Z", count: 1) == ["2025-01-15T13:00:00.000Z"])
    }

    @Test func evaluatedInTheJobsTimeZone() throws {
        // 09:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer.
        #expect(try fires("0 9 * * *", after: "2025-01-15T00:00:00Z", count: 1, zone: "America/New_York") == [
            "2025-01-15T14:00:00.000Z"
        ])
        #expect(try fires("0 9 * * *", after: "2025-07-15T00:00:00Z", count: 1, zone: "America/New_York") == [
            "2025-07-15T13:00:00.000Z"
        ])
    }

    @Test func fixedTimeInSkippedHourFiresAtItsEnd() throws {
        // 2025-03-09 02:30 does not exist in New York; the job runs at 03:00 EDT (07:00 UTC).
        #expect(try fires("30 2 * * *", after: "2025-03-09T00:00:00Z", count: 2, zone: "America/New_York") == [
            "2025-03-09T07:00:00.000Z", "2025-03-10T06:30:00.000Z",
        ])
    }

    @Test func fixedTimeInRepeatedHourFiresOnce() throws {
        // 2025-11-02 01:30 happens twice in New York; the job runs only the first time.
        #expect(try fires("30 1 * * *", after: "2025-11-02T00:00:00Z", count: 2, zone: "America/New_York") == [
            "2025-11-02T05:30:00.000Z", "2025-11-03T06:30:00.000Z",
        ])
    }

    @Test func frequentJobsFollowRealTimeThroughRepeatedHour() throws {
        let fires = try fires("*/30 * * * *", after: "2025-11-02T05:00:00Z", count: 4, zone: "America/New_York")
        #expect(fires == [
            "2025-11-02T05:30:00.000Z", "2025-11-02T06:00:00.000Z", "2025-11-02T06:30:00.000Z",
            "2025-11-02T07:00:00.000Z",
        ])
    }

    @Test(arguments: [
        ("", "expected 5 fields"), ("* * * *", "expected 5 fields"), ("60 * * * *", "minute value 60"),
        ("* 24 * * *", "hour value 24"), ("* * 0 * *", "day of month value 0"), ("* * * 13 *", "month value 13"),
        ("* * * * 8", "day of week value 8"), ("*/0 * * * *", "step '0'"), ("5-1 * * * *", "runs backwards"),
        ("a * * * *", "not a number"), ("1,,2 * * * *", "empty list item"), ("* * * foo *", "not a number or name"),
    ])
    func rejectsInvalidExpressions(expression: String, expected: String) {
        #expect {
            _ = try CronExpression(expression)
        } throws: { error in
            "\(error)".contains(expected)
        }
    }
}

