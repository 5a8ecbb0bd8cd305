import Foundation
import Testing

@testable import RunhooksCore

struct SchedulePreviewTests {
    let now = Date(milliseconds: 1_774_612_800_000)  // 2026-03-27T12:00:00Z

    @Test func cronRunsShowTheirZonesOffsetAcrossADSTChange() throws {
        let preview = try SchedulePreview(
            validating: ["schedule": ["type": "cron", "expression": "0 3 * * *", "timezone": "Europe/Paris"], "count": 3],
            rules: JobRules(), now: now)
        #expect(preview.timezone == "Europe/Paris")
        #expect(preview.runs.map(\.local) == ["2026-03-28T03:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T03:00:00+02:00"])
        #expect(preview.runs.map(\.at.iso8601Milliseconds) == [
            "2026-03-28T02:00:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-30T01:00:00.000Z",
        ])
    }

    @Test func intervalsCountFromNowAndFiveIsTheDefault() throws {
        let preview = try SchedulePreview(
            validating: ["schedule": ["type": "interval", "expression": "90000"]], rules: JobRules(), now: now)
        #expect(preview.runs.count == 5)
        #expect(preview.runs.first?.at == now + 90)
        #expect(preview.runs.last?.at == now + 450)
        #expect(preview.runs.first?.local == "2026-03-27T12:01:30+00:00")
    }

    @Test func badInputNamesTheField() {
        #expect(throws: ValidationError(field: "schedule.timezone", "must be an IANA time zone name such as \"Europe/London\"")) {
            try SchedulePreview(
                validating: ["schedule": ["type": "cron", "expression": "* * * * *", "timezone": "Mars/Olympus"]],
                rules: JobRules(), now: now)
        }
        #expect(throws: ValidationError.self) {
            try SchedulePreview(validating: ["schedule": ["type": "cron", "expression": "* * * * *"], "count": 0], rules: JobRules(), now: now)
        }
        #expect(throws: ValidationError(field: "schedule", "is required")) {
            try SchedulePreview(validating: [:], rules: JobRules(), now: now)
        }
    }
}
