import Foundation
import RunhooksCore
import RunhooksStore

extension ShardActor {
    /// The most missed slots counted one by one before the count is estimated.
    static let missedSlotCountLimit = 100_000

    /// Settles attempts a crash left pending or running, and puts pending retries back on the wheel.
    func recover(store: any ExecutionLog & JobStore) async throws {
        try await settleUnfinished(store: store, reason: "interrupted: the server stopped during this attempt")
        for failed in try await store.dueRetries(shard: shard) {
            guard let retryAt = failed.retryAt else { continue }
            schedule(.retry(failed.id), at: retryAt.millisecondsSince1970, .retry(RetryOf(failed)))
        }
    }

    /// Records every attempt of this shard left pending or running as interrupted, under the
    /// shard's lease, with a retry due now where the policy has one left (the next owner sends
    /// it as the next attempt, never again as the same one).
    func settleUnfinished(store: any ExecutionLog & JobStore, reason: String) async throws {
        let now = clock.now()
        for execution in try await store.unfinishedExecutions(shard: shard) {
            guard let job = try await store.job(id: execution.jobId, userId: execution.userId) else { continue }
            let retriesLeft = execution.attempt <= job.retryPolicy.maxRetries
            let result = ExecutionResult(
                executionId: execution.id, status: retriesLeft ? .failed : .deadLetter, startedAt: execution.startedAt,
                completedAt: now, durationMs: nil, httpStatusCode: nil, responseBody: nil,
                error: reason, retryAt: retriesLeft ? now : nil)
            try await runner.journal.commit(.finish(result, fence: fence))
        }
    }

    /// Puts a job loaded from the store on the wheel. If slots passed while no node ran the
    /// shard, the latest one fires once now and records how many were missed.
    func catchUp(_ scheduled: ScheduledJob) async {
        let job = scheduled.job.forDelivery
        jobs[job.id] = job
        let now = clock.now()
        var base = job.anchorAt
        if let lastSlot = scheduled.lastSlot, lastSlot > base { base = lastSlot }
        guard let first = job.nextExecution(after: base), first <= now else {
            if let next = job.nextExecution(after: base) {
                schedule(.slot(job.id), at: next.millisecondsSince1970, .slot(jobId: job.id))
            }
            return
        }
        let (latest, missed) = job.passedSlots(from: first, upTo: now, countLimit: Self.missedSlotCountLimit)
        logger.info("job \(job.id): \(missed) slot(s) missed while the shard was not running; firing the latest once")
        if let next = job.nextExecution(after: latest) {
            schedule(.slot(job.id), at: next.millisecondsSince1970, .slot(jobId: job.id))
        }
        await launchCatchUp(job: job, slot: latest, missed: missed - 1)
    }
}
