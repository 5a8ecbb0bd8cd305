import Foundation

extension ShardActor {
    /// Scheduled slots of a job the store failed to claim for longer than the claim window:
    /// nothing was sent nor recorded. As after a crash, the latest of them fires once the store
    /// answers again (the `.unclaimed` timer), with the others recorded as missed. Slots of the
    /// job that came meanwhile and were claimed fire as usual.
    struct UnclaimedSlots: Sendable {
        var latest: Date
        var count: Int
        /// The latest slot's execution id: if its claim did commit unseen, trying it again
        /// under the same id finds it instead of losing to it.
        var executionId: String?
    }

    /// An attempt the store failed for longer than the claim window is tried again in as long
    /// again, under the same execution id: a retry or a requested run as it was, a scheduled
    /// slot together with the job's others waiting.
    func notClaimed(_ attempt: DeliveryRunner.Attempt) {
        let jobId = attempt.job.id
        let again = nowMs + Int64(DeliveryRunner.claimRetryWindow * 1000)
        if attempt.requestId != nil || attempt.retryOf != nil, let executionId = attempt.executionId {
            schedule(.again(executionId), at: again, .again(AttemptAgain(attempt)))
            return
        }
        guard jobs[jobId] != nil, attempt.isScheduledSlot else { return }
        var slots = unclaimedSlots[jobId] ?? UnclaimedSlots(latest: attempt.slot, count: 0, executionId: attempt.executionId)
        if attempt.slot > slots.latest {
            slots.latest = attempt.slot
            slots.executionId = attempt.executionId
        }
        slots.count += attempt.missedSlots + 1
        unclaimedSlots[jobId] = slots
        schedule(.unclaimed(jobId), at: again, .unclaimed(jobId: jobId))
    }
}
