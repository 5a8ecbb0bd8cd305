import Foundation
import Testing

@testable import RunhooksEngine

/// A job's latest slot is recorded with its claim about once a minute, not on every fire.
struct LatestSlotRecordsTests {
    @Test func aJobsSlotIsRecordedOnceAMinute() {
        let records = LatestSlotRecords()
        let start = Date(milliseconds: 1_736_942_400_000)
        #expect(records.shouldRecord(jobId: "a", slot: start))
        #expect(!records.shouldRecord(jobId: "a", slot: start + 1))
        #expect(!records.shouldRecord(jobId: "a", slot: start + 59.999))
        #expect(records.shouldRecord(jobId: "b", slot: start + 1), "each job has its own minute")
        #expect(records.shouldRecord(jobId: "a", slot: start + 60))
        #expect(records.shouldRecord(jobId: "a", slot: start + 30), "an earlier slot than the last recorded is recorded")
    }
}
