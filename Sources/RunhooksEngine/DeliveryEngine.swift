import Foundation
import Logging
import RunhooksCore
import RunhooksStore
import ServiceLifecycle
import Synchronization

/// The node's delivery runtime as one `Service`: a `ShardActor` per owned shard, the shared
/// dispatcher and write journal, and the retention sweeper. On graceful shutdown it stops the
/// wheels, lets runs in flight finish (up to `drainTimeout`), and commits every pending write.
public final class DeliveryEngine: Service, Sendable {
    public let context: EngineContext
    public let journal: WriteJournal
    public let tenants: TenantDirectory
    let dispatcher: Dispatcher
    let runner: DeliveryRunner
    let notifier: AlertNotifier
    let claimLeadMs: Int64
    let alarms: ShardAlarms
    /// The shards whose wheels run on this node now; the cluster coordinator starts and stops them.
    private let shards = Mutex<[Int: ShardActor]>([:])
    private let initialShards: [Int]
    let inFlight: InFlightRuns
    public let events = EngineEvents()
    let logger: Logger
    let drainTimeout: Duration
    let sweepInterval: TimeInterval
    let retentionChunk: Int

    public init(
        context: EngineContext, tenants: TenantDirectory, targets: TargetGuard, ownedShards: [Int],
        logger: Logger, metrics: EngineMetrics = EngineMetrics(), smtp: SMTPConfiguration? = nil,
        alertRetryDelays: [TimeInterval] = [2, 10], drainTimeout: Duration = .seconds(10), sweepInterval: TimeInterval = 3600,
        claimLead: Duration = .zero, sendWindow: Duration = .zero, writes: (any EngineWriteApplying)? = nil,
        inFlightCapacity: Int = InFlightRuns.defaultCapacity, retentionChunk: Int = 500
    ) {
        self.context = context
        inFlight = InFlightRuns(capacity: inFlightCapacity)
        self.tenants = tenants
        self.logger = logger
        self.drainTimeout = drainTimeout
        self.sweepInterval = sweepInterval
        self.retentionChunk = max(1, retentionChunk)
        // Claims are made `claimLead` before their slot, so two fifths of that (at most 20 ms)
        // spent gathering writes into fewer transactions costs no lateness: the commit has the
        // rest.
        journal = WriteJournal(
            store: writes ?? context.store, logger: logger, linger: min(.milliseconds(20), claimLead * 2 / 5))
        dispatcher = Dispatcher(targets: targets, sendWindow: sendWindow)
        let notifier = AlertNotifier(
            context: context, dispatcher: dispatcher, smtp: smtp, events: events, logger: logger,
            retryDelays: alertRetryDelays)
        self.notifier = notifier
        let runner = DeliveryRunner(
            context: context, journal: journal, gate: SendGate(clock: context.clock), dispatcher: dispatcher,
            tenants: tenants, events: events, metrics: metrics,
            notifier: notifier, logger: logger)
        self.runner = runner
        claimLeadMs = claimLead.milliseconds
        // Wheels wake in steps of a tenth of the claim lead (at most 5 ms): late enough to wake
        // many shards at once, early enough that every claim is durable before its slot.
        alarms = ShardAlarms(clock: context.clock, granularityMs: min(5, claimLead.milliseconds / 10))
        initialShards = ownedShards
    }

    /// Loads the shards given at init and starts their wheels. `run()` calls it; tests may call
    /// it directly. In a cluster the list is empty and the coordinator starts shards as it
    /// takes their leases.
    public func start() async throws {
        for shard in initialShards.sorted() {
            try await startShard(shard, fence: nil)
        }
        logger.info("delivery engine running \(initialShards.count) shard(s)")
    }

    /// The shards running on this node.
    public var runningShards: [Int] { shards.withLock { Array($0.keys).sorted() } }

    public func isRunning(shard: Int) -> Bool { shards.withLock { $0[shard] != nil } }

    /// Loads a shard from the store and starts its wheel under `fence` (nil: no cluster).
    public func startShard(_ shard: Int, fence: LeaseFence?) async throws {
        await tenants.refresh(shard: shard)
        let actor = ShardActor(
            shard: shard, runner: runner, inFlight: inFlight, alarms: alarms, claimLeadMs: claimLeadMs, logger: logger)
        await actor.setFence(fence)
        let fresh = shards.withLock { shards -> Bool in
            guard shards[shard] == nil else { return false }
            shards[shard] = actor
            return true
        }
        guard fresh else { return }
        do {
            try await actor.start()
        } catch {
            // Runs its catch-up launched before the failure end here (cancelled: the store
            // keeps them unfinished, and the shard's next start settles them).
            _ = shards.withLock { $0.removeValue(forKey: shard) }
            await actor.cancelAttempts()
            await actor.waitForAttempts()
            throw error
        }
    }

    /// Shards taken off this node's wheels, whose runs in flight are still to end.
    public struct Departure: Sendable {
        let actors: [ShardActor]
        public var shards: [Int] { actors.map(\.shard) }
    }

    /// The first, quick step of a hand-over: takes the shards off the engine (API changes no
    /// longer reach them) and stops their wheels. `finishHandOver` does the rest.
    public func stopWheels(_ numbers: [Int]) async -> Departure {
        let actors = shards.withLock { shards in numbers.compactMap { shards.removeValue(forKey: $0) } }
        for actor in actors { await actor.stop() }
        return Departure(actors: actors)
    }

    /// Hands shards over: stops their wheels, lets their runs in flight end (bounded by the
    /// drain timeout, for all of them together), and past the timeout cancels the runs left and
    /// settles them in the store as interrupted, under the lease this node still holds. Returns
    /// once every write is committed, so the next owner starts from a settled store; the caller
    /// releases the leases only then. Returns the shards whose runs all ended on their own.
    @discardableResult
    public func handOver(
        _ numbers: [Int], reason: String = DeliveryEngine.handOverReason
    ) async -> [Int] {
        await finishHandOver(await stopWheels(numbers), reason: reason)
    }

    public static let handOverReason = "interrupted: the shard was handed over to another node during this attempt"

    /// The second step of a hand-over (see `handOver`).
    @discardableResult
    public func finishHandOver(_ departure: Departure, reason: String = DeliveryEngine.handOverReason) async -> [Int] {
        let actors = departure.actors
        guard !actors.isEmpty else { return [] }
        let drained = await withTimeout(drainTimeout) {
            await withTaskGroup(of: Void.self) { group in
                for actor in actors { group.addTask { await actor.waitUntilIdle() } }
            }
        }
        var clean = actors.map(\.shard)
        if !drained {
            clean = []
            for actor in actors { await actor.cancelAttempts() }
            for actor in actors { await actor.waitForAttempts() }
            // A cancelled attempt returns without waiting for its claim's commit; the claim
            // must be in the store before the runs left are read from it.
            await journal.drain()
            for actor in actors {
                do {
                    try await actor.settleUnfinished(store: context.store, reason: reason)
                } catch {
                    logger.error("shard \(actor.shard): cannot settle runs left after the drain timeout: \(error)")
                }
            }
            logger.warning("shard(s) \(actors.map(\.shard)): runs still in flight after \(drainTimeout) were cancelled and recorded as interrupted")
        }
        await journal.drain()
        for shard in clean { tenants.forget(shard: shard) }
        return clean
    }

    /// Stops shards whose lease this node lost, at once: whatever they still run is fenced out
    /// in the store, and cancelled here; returns once those attempts have returned, so a restart
    /// of the shard never recovers a run that is still going. Their tenants' counters are read
    /// again if they return.
    public func abandon(_ numbers: [Int]) async {
        let actors = shards.withLock { shards in numbers.compactMap { shards.removeValue(forKey: $0) } }
        for actor in actors {
            await actor.stop()
            await actor.cancelAttempts()
        }
        for actor in actors { await actor.waitForAttempts() }
        for actor in actors { await tenants.refresh(shard: actor.shard) }
    }

    /// Hands every shard over (as a graceful leave does), waits for alert notices in flight
    /// (sent or recorded as failed), and commits pending writes.
    public func stop() async {
        await handOver(runningShards, reason: "interrupted: the server stopped during this attempt")
        await notifier.finish(timeout: drainTimeout)
        await journal.drain()
        await runner.gate.shutdown()
        await alarms.shutdown()
        try? await dispatcher.shutdown()
    }

    public func run() async throws {
        do {
            // A node that restarts with a backlog catches up every job while it loads, waiting
            // for places in flight; a stop asked for meanwhile ends that at once, and the
            // shards already running are handed over below.
            try await cancelWhenGracefulShutdown { try await self.start() }
        } catch {
            guard Task.isShuttingDownGracefully else { throw error }
            logger.info("stopped while loading shards: \(error)")
        }
        await withTaskGroup(of: Void.self) { group in
            if !Task.isShuttingDownGracefully {
                group.addTask { await self.sweepRetentionPeriodically() }
                group.addTask { await self.launchStrandedRequestsPeriodically() }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        await stop()
    }

    /// Returns once no run is in flight and every write is committed.
    public func waitUntilSettled() async {
        await inFlight.waitUntilIdle()
        await journal.drain()
    }

    // MARK: Hooks for the API

    private func shard(for userId: String) -> ShardActor? {
        let shard = context.shards.shard(forUser: userId)
        return shards.withLock { $0[shard] }
    }

    public func jobSaved(_ job: Job) async {
        await shard(for: job.userId)?.upsert(job)
    }

    public func jobDeleted(id: String, userId: String) async {
        await shard(for: userId)?.remove(jobId: id)
    }

    /// Whether this node holds the job on its schedule.
    func holdsJob(id: String, userId: String) async -> Bool {
        await shard(for: userId)?.holdsJob(id: id) ?? false
    }

    /// A replay or trigger request already recorded in the store.
    public func runRequested(_ request: ReplayRequest) async {
        await shard(for: request.userId)?.runRequested(request)
    }

    // MARK: Retention

    /// How long an `Idempotency-Key` is remembered.
    public static let idempotencyWindow: TimeInterval = 86_400

    /// How long a replay or trigger request is kept once it has become a run.
    public static let handledRequestsKept: TimeInterval = 86_400

    /// How far back run counters are kept. Quotas read only today's and this month's; the
    /// rest is kept a while for an operator's look (`usage_counters`), then deleted.
    public static let runCountersKept: TimeInterval = 35 * 86_400

    /// Deletes executions and alert deliveries older than each plan's retention, expired
    /// idempotency keys and refresh tokens, and replay requests handled a day ago.
    @discardableResult
    public func sweepRetention() async -> Int {
        var purged = 0
        let now = context.clock.now()
        for plan in Plan.allCases {
            let cutoff = now - TimeInterval(plan.limits.retentionDays * 86_400)
            do {
                purged += try await inChunks { try await context.store.purgeExecutions(plan: plan, createdBefore: cutoff, limit: $0) }
                purged += try await inChunks {
                    try await context.store.purgeAlertDeliveries(plan: plan, createdBefore: cutoff, limit: $0)
                }
            } catch {
                // Cancelled: the engine is stopping, and the next sweep does the rest.
                if Task.isCancelled { return purged }
                logger.error("retention sweep for the \(plan.rawValue) plan failed: \(error)")
            }
        }
        let store = context.store
        let expired: [(what: String, purge: (Int) async throws -> Int)] = [
            ("expired idempotency keys", { try await store.purgeIdempotencyKeys(createdBefore: now - Self.idempotencyWindow, limit: $0) }),
            ("expired refresh tokens", { try await store.purgeRefreshTokens(expiredBefore: now, limit: $0) }),
            ("handled replay requests", {
                try await store.purgeReplayRequests(handledBefore: now - Self.handledRequestsKept, limit: $0)
            }),
            ("old run counters", { try await store.purgeUsageCounters(before: now - Self.runCountersKept, limit: $0) }),
        ]
        for (what, purge) in expired {
            do {
                purged += try await inChunks(purge)
            } catch {
                if Task.isCancelled { return purged }
                logger.error("purging \(what) failed: \(error)")
            }
        }
        if purged > 0 { logger.info("retention sweep removed \(purged) row(s) past their time") }
        return purged
    }

    /// Deletes `retentionChunk` rows at a time, each chunk its own short transaction, until a
    /// chunk comes back short (or the engine stops), and rests after each chunk as long as it
    /// took: the sweep has at most half of the store's writer, and the engine's claims never
    /// queue behind more than one chunk. One DELETE of everything past retention held SQLite's
    /// only writer throughout (2 million rows: 21 s with no fire sent on time; at 2,000 fires a
    /// second an hour's executions are 7 million), and on PostgreSQL such a statement outlasts
    /// the answer limit, so it never completes.
    private func inChunks(_ purge: (Int) async throws -> Int) async throws -> Int {
        var purged = 0
        while !Task.isCancelled {
            let started = ContinuousClock.now
            let removed = try await purge(retentionChunk)
            purged += removed
            if removed < retentionChunk { break }
            try await EventLoopTimer.sleep(for: ContinuousClock.now - started)
        }
        return purged
    }

    private func sweepRetentionPeriodically() async {
        while !Task.isCancelled {
            await sweepRetention()
            do {
                try await context.clock.sleep(until: context.clock.now() + sweepInterval)
            } catch {
                return
            }
        }
    }
}
