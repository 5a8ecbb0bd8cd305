import Foundation
import Synchronization

/// Decides which claims also record their slot as the job's latest (`advancesSlot`), the
/// mark catch-up starts from after a restart. Recording it on every fire would rewrite a row
/// of `jobs` per fire (a random page per job in every commit); once a minute per job is
/// enough, because the store reads a job's latest slot as the later of that mark and its
/// newest execution, and a minute of executions is never purged (retention is days).
/// The mark only has to outlive retention: a job that fires monthly records every slot.
final class LatestSlotRecords: Sendable {
    static let intervalMs: Int64 = 60_000
    static let capacity = 100_000
    private let recorded = Mutex<[String: Int64]>([:])

    /// Whether the claim of `jobId`'s scheduled slot at `slot` should record it.
    func shouldRecord(jobId: String, slot: Date) -> Bool {
        let ms = slot.millisecondsSince1970
        return recorded.withLock { recorded in
            if let last = recorded[jobId], ms >= last, ms - last < Self.intervalMs { return false }
            if recorded.count >= Self.capacity { recorded.removeAll(keepingCapacity: true) }
            recorded[jobId] = ms
            return true
        }
    }
}
