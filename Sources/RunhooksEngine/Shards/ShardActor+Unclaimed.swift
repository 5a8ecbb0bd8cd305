import Foundation

extension ShardActor {
    /// Scheduled slots of a job the store failed to claim for longer than the claim window:
    /// nothing was sent nor recorded. As after a crash, the latest of them fires once the store
    /// answers again (the `.unclaimed` timer), with the others recorded as missed. Slots of the
    /// job that came meanwhile and were claimed fire as usual.
    struct UnclaimedSlots: Sendable {
        var latest: Date
        var count: Int
    }

    /// An attempt the store failed for longer than the claim window is tried again in as long
    /// again: a retry as it was, a scheduled slot together with the job's others waiting.
    func notClaimed(_ attempt: DeliveryRunner.Attempt) {
        let jobId = attempt.job.id
        guard jobs[jobId] != nil else { return }
        let again = nowMs + Int64(DeliveryRunner.claimRetryWindow * 1000)
        if let previous = attempt.retryOf {
            schedule(.retry(previous.id), at: again, .retry(RetryOf(previous)))
            return
        }
        guard attempt.isScheduledSlot else { return }
        let waiting = unclaimedSlots[jobId]
        unclaimedSlots[jobId] = UnclaimedSlots(
            latest: max(waiting?.latest ?? attempt.slot, attempt.slot), count: (waiting?.count ?? 0) + attempt.missedSlots + 1)
        schedule(.unclaimed(jobId), at: again, .unclaimed(jobId: jobId))
    }
}
