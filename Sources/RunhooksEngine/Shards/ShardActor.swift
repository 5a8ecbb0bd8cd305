import Foundation
import Logging
import RunhooksCore
import RunhooksStore

/// Runs one shard's schedule: a timing wheel holding the next fire of every active job of the
/// shard and every pending retry, and one loop that sleeps until the wheel's next deadline.
/// Firing hands the attempt to a task of its own, so a slow target never delays the wheel.
public actor ShardActor {
    enum Timer: Sendable {
        case slot(jobId: String)
        /// Boxed: the wheel stores payloads inline, and most timers are slots.
        case retry(RetryOf)
        /// The job's slots the store could not claim (`unclaimedSlots`) are tried again.
        case unclaimed(jobId: String)
        /// A retry or a requested run the store could not claim is tried again.
        case again(AttemptAgain)
    }

    final class RetryOf: Sendable {
        let previous: Execution
        init(_ previous: Execution) { self.previous = previous }
    }

    final class AttemptAgain: Sendable {
        let attempt: DeliveryRunner.Attempt
        init(_ attempt: DeliveryRunner.Attempt) { self.attempt = attempt }
    }

    /// Wheel keys share the id strings the shard already holds (no per-job key string).
    enum TimerKey: Hashable, Sendable {
        case slot(String)
        case retry(String)
        case unclaimed(String)
        case again(String)
    }

    public nonisolated let shard: Int
    let runner: DeliveryRunner
    let clock: any WallClock
    let logger: Logger
    let inFlight: InFlightRuns
    /// How long before its deadline a timer is taken off the wheel, so the claim is durable
    /// when the slot comes and the request leaves on time rather than after a commit.
    let claimLeadMs: Int64

    var wheel: KeyedTimingWheel<TimerKey, Timer>
    /// The timers of a wake-up, kept between wake-ups so that one allocates nothing.
    private var due: [KeyedTimingWheel<TimerKey, Timer>.Timer] = []
    var jobs = JobTable()
    /// The lease this node runs the shard under; claims lose once it is gone. nil: no cluster.
    var fence: LeaseFence?
    /// Every attempt this shard launched that has not ended.
    private nonisolated let attempts = AttemptTasks()
    /// Replay and trigger requests launched in the last ten minutes: one can reach the shard
    /// both from the API and from the store while the shard loads, and must run once. The two
    /// come moments apart, so older ids are forgotten (a set of every id grew without end).
    private var requestsLaunched = RecentKeys(windowMs: 600_000)
    private var loop: Task<Void, Never>?
    /// Ends the loop's wait: the engine's alarms ring it when the next timer is due, and a
    /// timer scheduled earlier than that rings it at once.
    private nonisolated let wakeup = Wakeup()
    private let alarms: ShardAlarms
    private var loading = false
    private var removedWhileLoading: Set<String> = []
    /// Slots the store failed to claim, by job (`ShardActor+Unclaimed`).
    var unclaimedSlots: [String: UnclaimedSlots] = [:]

    init(
        shard: Int, runner: DeliveryRunner, inFlight: InFlightRuns, alarms: ShardAlarms, claimLeadMs: Int64 = 0,
        logger: Logger
    ) {
        self.shard = shard
        self.alarms = alarms
        self.claimLeadMs = claimLeadMs
        self.runner = runner
        self.clock = runner.context.clock
        self.inFlight = inFlight
        var logger = logger
        logger[metadataKey: "shard"] = "\(shard)"
        self.logger = logger
        wheel = KeyedTimingWheel(startTime: runner.context.clock.now().millisecondsSince1970)
    }

    var nowMs: Int64 { clock.now().millisecondsSince1970 }

    /// Loads the shard from the store, settles what a crash left behind, catches up missed
    /// slots, and starts the loop.
    func start() async throws {
        loading = true
        defer { loading = false }
        let store = runner.context.store
        try await recover(store: store)
        for scheduled in try await store.activeJobs(shard: shard) where jobs[scheduled.job.id] == nil {
            guard !removedWhileLoading.contains(scheduled.job.id) else { continue }
            await catchUp(scheduled)
        }
        for try await request in store.allPendingReplayRequests() {
            guard runner.context.shards.shard(forUser: request.userId) == shard else { continue }
            await runRequested(request)
        }
        removedWhileLoading = []
        loop = Task { await self.runLoop() }
    }

    /// Stops the wheel and returns once its loop has ended; attempts in flight go on.
    func stop() async {
        guard let loop else { return }
        self.loop = nil
        loop.cancel()
        alarms.cancel(wakeup)
        await loop.value
    }

    /// Cancels the attempts still in flight (a hand-over past its drain timeout). An attempt
    /// not yet sent is not sent; one being sent is abandoned. Neither records a result: the
    /// caller settles them in the store while it still holds the lease.
    func cancelAttempts() {
        attempts.cancelAll()
    }

    /// Waits until every attempt launched here has returned (after `cancelAttempts`, promptly).
    func waitForAttempts() async {
        await attempts.waitForAll()
    }

    func setFence(_ fence: LeaseFence?) {
        self.fence = fence
    }

    /// Returns once no attempt launched by this shard is running (or when cancelled).
    nonisolated func waitUntilIdle() async {
        await attempts.waitUntilIdle()
    }

    // MARK: Changes from the API

    /// Puts a created or edited job on the schedule (or off it, if it is not active).
    func upsert(_ job: Job) {
        guard job.status == .active else {
            remove(jobId: job.id)
            return
        }
        let previous = jobs[job.id]
        jobs[job.id] = job.forDelivery
        let unchangedSchedule = previous?.schedule == job.schedule && previous?.anchorAt == job.anchorAt
        if unchangedSchedule, wheel.contains(.slot(job.id)) { return }
        scheduleNextSlot(of: job, after: clock.now())
    }

    func holdsJob(id: String) -> Bool {
        jobs[id] != nil
    }

    func remove(jobId: String) {
        jobs.removeValue(forKey: jobId)
        wheel.cancel(.slot(jobId))
        wheel.cancel(.unclaimed(jobId))
        unclaimedSlots.removeValue(forKey: jobId)
        if loading { removedWhileLoading.insert(jobId) }
    }

    /// Fires a replay or a "run now" at once, as a new run.
    func runRequested(_ request: ReplayRequest) async {
        guard requestsLaunched.insert(request.id, at: nowMs) else { return }
        let job: Job
        do {
            guard let found = try await runner.context.store.job(id: request.jobId, userId: request.userId) else { return }
            job = found
        } catch {
            // Still pending in the store: the engine's sweep of stranded requests launches it.
            requestsLaunched.remove(request.id)
            logger.warning("run request \(request.id) of job \(request.jobId) not launched: its job could not be read (\(error))")
            return
        }
        // The run's execution takes the request's id, which the API answered with: the caller
        // can follow the run, and a request launched twice makes one run.
        let attempt = DeliveryRunner.Attempt(
            job: job, slot: clock.now(), number: 1, replayOf: request.executionId, missedSlots: 0,
            isScheduledSlot: false, requestId: request.id, sendAt: nil, executionId: request.id)
        inFlight.acquireNow()
        launch(attempt)
    }

    // MARK: The loop

    private func runLoop() async {
        while !Task.isCancelled {
            if let next = wheel.nextExpiration {
                alarms.set(wakeup, at: next - claimLeadMs)
            } else {
                alarms.cancel(wakeup)
            }
            await wakeup.wait()
            guard !Task.isCancelled else { return }
            await fireDue()
        }
    }

    private func signal() {
        wakeup.signal()
    }

    /// Starts every due run. When the engine is at capacity this waits for places, so the
    /// runs go out late instead of piling up; the wheel keeps taking changes meanwhile.
    private func fireDue() async {
        due.removeAll(keepingCapacity: true)
        wheel.advance(to: nowMs + claimLeadMs, into: &due)
        guard !due.isEmpty else { return }
        // Only the loop calls this, one wake-up at a time, so `due` is not refilled meanwhile.
        let due = self.due
        var places = inFlight.acquire(upTo: due.count)
        for timer in due {
            // The shard is stopping: what is left of this wake-up is not launched (its slots
            // are recovered from the store by whoever runs the shard next), and a stop never
            // waits for places to free up on a saturated node.
            if Task.isCancelled {
                for _ in 0..<places { inFlight.end() }
                return
            }
            if case .slot(let jobId) = timer.payload, let job = jobs[jobId] {
                scheduleNextSlot(of: job, after: Date(milliseconds: timer.deadline))
            }
            if places > 0 {
                places -= 1
            } else if await !inFlight.acquire() {
                return
            }
            // The job may have been edited, paused or deleted while this waited.
            let attempt: DeliveryRunner.Attempt?
            switch timer.payload {
            case .slot(let jobId):
                attempt = jobs[jobId].map { job in
                    let (slot, missed) = slotToFire(of: job, due: Date(milliseconds: timer.deadline))
                    return DeliveryRunner.Attempt(
                        job: job, slot: slot, number: 1, replayOf: nil, missedSlots: missed, isScheduledSlot: true,
                        requestId: nil, sendAt: slot)
                }
            case .retry(let box):
                let previous = box.previous
                // Retries use the job as it is now: an edited URL applies to the next attempt.
                attempt = jobs[previous.jobId].map { job in
                    DeliveryRunner.Attempt(
                        job: job, slot: previous.scheduledFor, number: previous.attempt + 1, replayOf: previous.replayOf,
                        missedSlots: 0, isScheduledSlot: false, requestId: nil, sendAt: Date(milliseconds: timer.deadline),
                        retryOf: previous)
                }
            case .unclaimed(let jobId):
                attempt = unclaimedSlots.removeValue(forKey: jobId).flatMap { unclaimed in
                    jobs[jobId].map { job in
                        DeliveryRunner.Attempt(
                            job: job, slot: unclaimed.latest, number: 1, replayOf: nil, missedSlots: unclaimed.count - 1,
                            isScheduledSlot: true, requestId: nil, sendAt: nil, executionId: unclaimed.executionId)
                    }
                }
            case .again(let again):
                // A requested run is owed even for a paused job (it may be run by hand); a
                // retry, as above, uses the job as it is now.
                attempt =
                    again.attempt.requestId != nil
                    ? again.attempt
                    : jobs[again.attempt.job.id].map { job in
                        var attempt = again.attempt
                        attempt.job = job
                        return attempt
                    }
            }
            if let attempt { launch(attempt) } else { inFlight.end() }
        }
    }

    /// The slot a timer due at `slot` fires: that one, unless the engine fell a whole period
    /// behind (a saturated node: the job's next slot has passed too while the timer waited for a
    /// place). Then, as after a crash, the latest passed slot fires once and the ones before it
    /// are recorded as missed, so lateness stays within about a period instead of growing.
    private func slotToFire(of job: Job, due slot: Date) -> (slot: Date, missed: Int) {
        let now = clock.now()
        guard let next = job.nextExecution(after: slot), next <= now else { return (slot, 0) }
        let (latest, passed) = job.passedSlots(from: next, upTo: now, countLimit: Self.missedSlotCountLimit)
        scheduleNextSlot(of: job, after: latest)
        return (latest, passed)
    }

    private func scheduleNextSlot(of job: Job, after date: Date) {
        guard let next = job.nextExecution(after: date) else {
            wheel.cancel(.slot(job.id))
            return
        }
        schedule(.slot(job.id), at: next.millisecondsSince1970, .slot(jobId: job.id))
    }

    func schedule(_ key: TimerKey, at deadline: Int64, _ timer: Timer) {
        let earliest = wheel.nextExpiration
        wheel.schedule(key, at: deadline, payload: timer)
        if earliest.map({ deadline < $0 }) ?? true { signal() }
    }

    func launchCatchUp(job: Job, slot: Date, missed: Int) async {
        guard await inFlight.acquire() else { return }
        launch(
            DeliveryRunner.Attempt(
                job: job, slot: slot, number: 1, replayOf: nil, missedSlots: missed, isScheduledSlot: true,
                requestId: nil, sendAt: nil))
    }

    /// Runs an attempt in a task of its own; the caller has taken its place in `inFlight`.
    private func launch(_ attempt: DeliveryRunner.Attempt) {
        let runner = self.runner
        let inFlight = self.inFlight
        var attempt = attempt
        attempt.fence = fence
        // Named here, so that if the store fails the claim the attempt is tried again as the
        // same claim (`notClaimed`).
        if attempt.executionId == nil { attempt.executionId = runner.context.ids.next(at: clock.now()) }
        attempts.launch(on: runner.dispatcher.loops.executor(forJob: attempt.job.id)) { [attempt] in
            let next = await runner.perform(attempt)
            if !Task.isCancelled {
                switch next {
                case .done: break
                case .retry(let at, let previous):
                    await self.schedule(.retry(previous.id), at: at.millisecondsSince1970, .retry(RetryOf(previous)))
                case .notClaimed:
                    await self.notClaimed(attempt)
                case .accountGone:
                    await self.remove(jobId: attempt.job.id)
                }
            }
            inFlight.end()
        }
    }
}
