import Foundation
import Logging
import RunhooksCore
import RunhooksStore

/// Carries one attempt of a run from claim to recorded result: quota, claim in the store,
/// concurrency slot, HTTP request, result, and the decision to retry.
public struct DeliveryRunner: Sendable {
    let context: EngineContext
    let journal: WriteJournal
    let gate: SendGate
    let dispatcher: Dispatcher
    let tenants: TenantDirectory
    let events: EngineEvents
    let metrics: EngineMetrics
    let notifier: AlertNotifier
    let logger: Logger
    let latestSlots = LatestSlotRecords()

    /// One attempt to perform.
    public struct Attempt: Sendable {
        public var job: Job
        public var slot: Date
        public var number: Int
        public var replayOf: String?
        public var missedSlots: Int
        /// Whether this is the job's scheduled slot (recorded as its latest for catch-up).
        public var isScheduledSlot: Bool
        /// The replay or trigger request this run answers.
        public var requestId: String?
        /// When the request should leave; the claim is made before it. `nil`: at once.
        public var sendAt: Date?
        /// The shard lease the claim is made under (cluster mode).
        public var fence: LeaseFence? = nil
        /// The failed attempt this one retries.
        public var retryOf: Execution? = nil
        /// The execution id to claim under; nil: a new one. An attempt the store failed is tried
        /// again under the same id, so a claim that did commit (its answer lost) is recognised
        /// as this run's rather than beaten by it.
        public var executionId: String? = nil
    }

    /// What the caller should do next: nothing, schedule the next attempt, or try this one
    /// again later.
    public enum Next: Sendable, Equatable {
        case done
        case retry(at: Date, previous: Execution)
        /// The store failed the claim (or the tenant's plan read) for longer than
        /// `claimRetryWindow`: nothing was sent nor recorded, so the slot (or the requested run)
        /// is not done yet.
        case notClaimed
        /// The job's account no longer exists (an operator deleted it): nothing was sent, and
        /// the job is taken off the schedule.
        case accountGone
    }

    /// The store failed an attempt before its claim committed.
    struct NotClaimed: Error {
        var cause: any Error
    }

    public func perform(_ attempt: Attempt) async -> Next {
        defer { events.record(.attemptFinished) }
        do {
            return try await performThrowing(attempt)
        } catch let error as NotClaimed {
            logger.warning(
                "run of job \(attempt.job.id) for \(attempt.slot.iso8601Milliseconds) not claimed: the store failed for \(Int(Self.claimRetryWindow)) s (\(error.cause)); trying again later")
            events.record(.attemptNotClaimed)
            return .notClaimed
        } catch is CancellationError {
            // Its shard was handed over or its lease lost: whoever holds the lease settles it.
            logger.debug("run of job \(attempt.job.id) for \(attempt.slot.iso8601Milliseconds) cancelled")
            return .done
        } catch {
            logger.error("run of job \(attempt.job.id) for \(attempt.slot.iso8601Milliseconds) failed: \(error)")
            return .done
        }
    }

    private func performThrowing(_ attempt: Attempt) async throws -> Next {
        var attempt = attempt
        let job = attempt.job
        let tenant = tenants.tenant(job.userId)
        let now = context.clock.now()
        var execution = Execution(
            id: attempt.executionId ?? context.ids.next(at: now), jobId: job.id, userId: job.userId, status: .pending, scheduledFor: attempt.slot,
            attempt: attempt.number, replayOf: attempt.replayOf, missedSlots: attempt.missedSlots, createdAt: now)
        if let requestId = attempt.requestId { await journal.enqueue(.requestHandled(id: requestId, at: now)) }

        let plan: Plan
        let holdsSlot: Bool
        let countsRun = attempt.number == 1
        let due = attempt.sendAt ?? now
        let advancesSlot = attempt.isScheduledSlot && latestSlots.shouldRecord(jobId: job.id, slot: attempt.slot)
        let start: TenantActor.AttemptStart
        do {
            start = try await startAttempt(at: tenant, countsAsRun: countsRun, now: now, due: due)
        } catch where !(error is CancellationError) && !Task.isCancelled {
            throw NotClaimed(cause: error)
        }
        switch start {
        case .accountGone:
            return .accountGone
        case .quotaExceeded(let reason):
            execution.status = .quotaExceeded
            execution.completedAt = now
            execution.error = reason
            do {
                try await journal.commit(.claim(execution, advancesSlot: advancesSlot, fence: attempt.fence))
            } catch where !(error is CancellationError) && !Task.isCancelled {
                throw NotClaimed(cause: error)
            }
            metrics.recordAttempt(.quotaExceeded)
            return .done
        case .admitted(let admittedPlan, let slot):
            plan = admittedPlan
            holdsSlot = slot
        }
        if holdsSlot {
            execution.status = .running
            execution.startedAt = max(now, due)
        }
        // The claim is durable before the request leaves; a second claimant of the slot loses,
        // and the run counts against the quota only with a claim that won. A replay or "run
        // now" is stamped with the moment it runs, which can be the very millisecond of a slot
        // already claimed (the key is job, time, attempt): it moves on a millisecond instead
        // of being dropped.
        var claimed = false
        do {
            for move in 0..<(attempt.requestId == nil ? 1 : Self.requestClaimTries) {
                if move > 0 {
                    execution.scheduledFor = Date(milliseconds: execution.scheduledFor.millisecondsSince1970 + 1)
                    attempt.slot = execution.scheduledFor
                }
                claimed = try await commitClaim(
                    .claim(execution, advancesSlot: advancesSlot, fence: attempt.fence, countsRun: countsRun),
                    due: due)
                if claimed { break }
            }
        } catch {
            await tenant.abandonAttempt(plan: plan, holdsSlot: holdsSlot, refundRunAt: countsRun ? now : nil)
            throw error is CancellationError || Task.isCancelled ? error : NotClaimed(cause: error)
        }
        guard claimed else {
            await tenant.abandonAttempt(plan: plan, holdsSlot: holdsSlot, refundRunAt: countsRun ? now : nil)
            logger.debug("slot \(attempt.slot.iso8601Milliseconds) attempt \(attempt.number) of job \(job.id) not claimed")
            return .done
        }
        events.record(.attemptClaimed)
        if attempt.missedSlots > 0 { metrics.missedSlots.increment(by: Int64(attempt.missedSlots)) }
        var startedAt = execution.startedAt ?? now
        if !holdsSlot {
            // Queued for a slot from now on, not from its time, so that it is served before the
            // runs claimed after it for later slots (`SlotWaiters`).
            metrics.concurrencyWaits.increment()
            await tenant.acquireSlot(plan: plan, dueMs: due.millisecondsSince1970)
            let slotAt = context.clock.now()
            if slotAt > due { metrics.concurrencyDelays.increment() }
            startedAt = max(slotAt, due)
            await journal.enqueue(.start(executionId: execution.id, at: startedAt))
        }
        // An attempt that holds its slot ahead of its time is held until then: by the event loop
        // that will write it (no thread wakes for it meanwhile), or by the gate when the clock
        // is not the system's.
        var sendAt = attempt.sendAt.flatMap { $0 > context.clock.now() ? $0 : nil }
        if let heldUntil = sendAt, !context.clock.isSystemTime {
            await gate.wait(until: heldUntil.millisecondsSince1970)
            sendAt = nil
        }
        // A cancelled attempt belongs to a shard that was handed over after its drain timeout:
        // the node that still holds the lease settles it, and the next owner retries it.
        if Task.isCancelled {
            await tenant.releaseSlot(plan: plan)
            return .done
        }
        metrics.inFlight.increment()
        let dueAt = max(context.clock.now(), sendAt ?? .distantPast)
        let outcome: DeliveryOutcome
        do {
            let signing = Dispatcher.Signing(
                messageId: await messageId(of: attempt),
                secrets: try await context.webhookSecrets.signingSecrets(userId: job.userId))
            outcome = await dispatcher.deliver(
                Dispatcher.Request(
                    job: job, executionId: execution.id, attempt: attempt.number, scheduledFor: attempt.slot,
                    signing: signing, sendAt: sendAt))
        } catch {
            logger.error("cannot read the signing secrets of account \(job.userId): \(error)")
            outcome = DeliveryOutcome(
                kind: .networkError, durationMs: 0, error: "not sent: the account's signing secret could not be read (\(error))")
        }
        metrics.inFlight.decrement()
        // How late the request was written, by the loop's clock (a manual clock stands still).
        let sentAt = dueAt + (context.clock.isSystemTime ? (outcome.sentLateMs ?? 0) / 1000 : 0)
        if attempt.isScheduledSlot, !Task.isCancelled { metrics.recordFire(lateness: sentAt.timeIntervalSince(attempt.slot)) }
        if Task.isCancelled {
            await tenant.releaseSlot(plan: plan)
            return .done
        }
        let completedAt = context.clock.now()

        let lastAllowed = attempt.number > job.retryPolicy.maxRetries
        var result = ExecutionResult(
            executionId: execution.id, status: .success, startedAt: startedAt, completedAt: completedAt,
            durationMs: outcome.durationMs, httpStatusCode: outcome.statusCode, responseBody: outcome.responseBody,
            error: outcome.error, retryAt: nil, timing: outcome.timing,
            lateMs: max(0, sentAt.timeIntervalSince(attempt.sendAt ?? attempt.slot) * 1000))
        var next = Next.done
        if !outcome.isSuccess {
            if outcome.isRetryable && !lastAllowed {
                result.status = outcome.kind == .timeout ? .timeout : .failed
                let delayMs = Self.retryDelayMs(policy: job.retryPolicy, retry: attempt.number, retryAfter: outcome.retryAfterSeconds)
                let retryAt = completedAt + TimeInterval(delayMs) / 1000
                result.retryAt = retryAt
                execution.status = result.status
                execution.retryAt = retryAt
                next = .retry(at: retryAt, previous: execution)
            } else if outcome.isRetryable {
                result.status = .deadLetter
                result.error = "\(outcome.error ?? "failed"); gave up after \(attempt.number) attempts"
            } else {
                result.status = outcome.kind == .timeout ? .timeout : .failed
            }
        }
        await journal.enqueue(.finish(result, fence: attempt.fence))
        metrics.recordAttempt(result.status)
        var final = execution
        final.status = result.status
        final.startedAt = result.startedAt
        final.completedAt = result.completedAt
        final.httpStatusCode = result.httpStatusCode
        final.error = result.error
        // When the run is over, the tenant's alerts hear how it ended.
        try await tenant.finishAttempt(
            plan: plan, endedRun: next == .done ? (job, result.status == .success, final) : nil, notifier: notifier)
        return next
    }

    /// Commits a claim. A store that fails the batch (PostgreSQL restarted, a connection lost)
    /// usually answers again within moments, so the claim is tried again, in the journal's next
    /// batch (whose backoff paces it): the slot then goes out late instead of being lost.
    func commitClaim(_ claim: EngineWrite, due: Date) async throws -> Bool {
        try await whileTheStoreFails(due: due, "claim not committed") { try await journal.commit(claim) }
    }

    /// Starts the attempt at its tenant. The plan and the run counts come from the store when
    /// the tenant has none yet (the first fire after a start, a new day); a store that fails
    /// that read is asked again every `storeReadRetryPause`.
    func startAttempt(at tenant: TenantActor, countsAsRun: Bool, now: Date, due: Date) async throws -> TenantActor.AttemptStart {
        try await whileTheStoreFails(due: due, pause: Self.storeReadRetryPause, "account \(tenant.userId): plan or run counts not read") {
            try await tenant.startAttempt(countsAsRun: countsAsRun, at: now)
        }
    }

    /// Runs `body` again while the store fails it, for up to `claimRetryWindow` past `due`;
    /// past the window the error is the caller's. `pause`: how long to wait before each new try
    /// (none when `body` paces itself).
    private func whileTheStoreFails<Result>(
        due: Date, pause: TimeInterval = 0, _ failure: @autoclosure () -> String, _ body: () async throws -> Result
    ) async throws -> Result {
        while true {
            do {
                return try await body()
            } catch let error where !(error is CancellationError) && !Task.isCancelled {
                let retryAt = context.clock.now() + pause
                guard retryAt < due + Self.claimRetryWindow else { throw error }
                logger.debug("\(failure()) (\(error)); trying again")
                events.record(.attemptWaitedForStore)
                if pause > 0 { try await context.clock.sleep(until: retryAt) }
            }
        }
    }

    static let storeReadRetryPause: TimeInterval = 0.1

    /// How long past its due time a claim the store failed is tried again.
    static let claimRetryWindow: TimeInterval = 5

    /// The Standard Webhooks message id of an attempt: that of the scheduled slot it delivers.
    /// A replay (or a retry of one) delivers the slot of the execution it replays.
    func messageId(of attempt: Attempt) async -> String {
        var slot = attempt.slot
        var replayed = attempt.replayOf
        var hops = 0
        while let executionId = replayed, hops < 16 {
            guard let original = try? await context.store.execution(id: executionId, userId: attempt.job.userId) else {
                // Purged by retention: the replayed execution's id still names the message.
                return WebhookSignature.messageId(of: "\(attempt.job.id)@replay:\(executionId)")
            }
            slot = original.scheduledFor
            replayed = original.replayOf
            hops += 1
        }
        return WebhookSignature.messageId(jobId: attempt.job.id, slot: slot)
    }

    /// How many milliseconds a requested run may move on to find a free claim.
    static let requestClaimTries = 4

    /// Backoff for retry number `retry`, stretched to honour a `Retry-After` (capped at an hour).
    static func retryDelayMs(policy: RetryPolicy, retry: Int, retryAfter: Int?) -> Int {
        let backoff = policy.delay(beforeRetry: retry)
        guard let retryAfter, retryAfter > 0 else { return backoff }
        return max(backoff, min(retryAfter, 3600) * 1000)
    }
}
