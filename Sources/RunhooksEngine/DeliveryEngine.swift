import Foundation
import Logging
import RunhooksCore
import RunhooksStore
import ServiceLifecycle

/// The node's delivery runtime as one `Service`: a `ShardActor` per owned shard, the shared
/// dispatcher and write journal, and the retention sweeper. On graceful shutdown it stops the
/// wheels, lets runs in flight finish (up to `drainTimeout`), and commits every pending write.
public final class DeliveryEngine: Service, Sendable {
    public let context: EngineContext
    public let journal: WriteJournal
    public let tenants: TenantDirectory
    let dispatcher: Dispatcher
    let shards: [Int: ShardActor]
    let inFlight = InFlightRuns()
    public let events = EngineEvents()
    let logger: Logger
    let drainTimeout: Duration
    let sweepInterval: TimeInterval

    public init(
        context: EngineContext, tenants: TenantDirectory, targets: TargetGuard, ownedShards: [Int],
        logger: Logger, metrics: EngineMetrics = EngineMetrics(), smtp: SMTPConfiguration? = nil,
        alertRetryDelays: [TimeInterval] = [2, 10], drainTimeout: Duration = .seconds(10), sweepInterval: TimeInterval = 3600,
        claimLead: Duration = .zero
    ) {
        self.context = context
        self.tenants = tenants
        self.logger = logger
        self.drainTimeout = drainTimeout
        self.sweepInterval = sweepInterval
        journal = WriteJournal(store: context.store, logger: logger)
        dispatcher = Dispatcher(targets: targets)
        let notifier = AlertNotifier(
            context: context, dispatcher: dispatcher, smtp: smtp, events: events, logger: logger,
            retryDelays: alertRetryDelays)
        let runner = DeliveryRunner(
            context: context, journal: journal, gate: SendGate(clock: context.clock), dispatcher: dispatcher,
            tenants: tenants, events: events, metrics: metrics,
            notifier: notifier, logger: logger)
        var shards: [Int: ShardActor] = [:]
        for shard in ownedShards {
            shards[shard] = ShardActor(
                shard: shard, runner: runner, inFlight: inFlight, claimLeadMs: claimLead.milliseconds, logger: logger)
        }
        self.shards = shards
    }

    /// Loads every shard and starts its wheel. `run()` calls it; tests may call it directly.
    public func start() async throws {
        for shard in shards.keys.sorted() {
            try await shards[shard]?.start()
        }
        logger.info("delivery engine running \(shards.count) shard(s)")
    }

    /// Stops the wheels, waits for runs in flight (bounded), and commits pending writes.
    public func stop() async {
        for shard in shards.values { await shard.stop() }
        let inFlight = self.inFlight
        let drained = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await inFlight.waitUntilIdle()
                return true
            }
            group.addTask { [drainTimeout] in
                try? await Task.sleep(for: drainTimeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !drained {
            logger.warning("shutdown: runs still in flight after \(drainTimeout); they are settled as interrupted on next start")
        }
        await journal.drain()
        try? await dispatcher.shutdown()
    }

    public func run() async throws {
        try await start()
        let sweeper = Task { await sweepRetentionPeriodically() }
        try? await gracefulShutdown()
        sweeper.cancel()
        await stop()
    }

    /// Returns once no run is in flight and every write is committed.
    public func waitUntilSettled() async {
        await inFlight.waitUntilIdle()
        await journal.drain()
    }

    // MARK: Hooks for the API

    private func shard(for userId: String) -> ShardActor? {
        shards[context.shards.shard(forUser: userId)]
    }

    public func jobSaved(_ job: Job) async {
        await shard(for: job.userId)?.upsert(job)
    }

    public func jobDeleted(id: String, userId: String) async {
        await shard(for: userId)?.remove(jobId: id)
    }

    /// A replay or trigger request already recorded in the store.
    public func runRequested(_ request: ReplayRequest) async {
        await shard(for: request.userId)?.runRequested(request)
    }

    // MARK: Retention

    /// Deletes executions older than each plan's retention.
    @discardableResult
    public func sweepRetention() async -> Int {
        var purged = 0
        let now = context.clock.now()
        for plan in Plan.allCases {
            let cutoff = now - TimeInterval(plan.limits.retentionDays * 86_400)
            do {
                purged += try await context.store.purgeExecutions(plan: plan, createdBefore: cutoff)
                purged += try await context.store.purgeAlertDeliveries(plan: plan, createdBefore: cutoff)
            } catch {
                logger.error("retention sweep for the \(plan.rawValue) plan failed: \(error)")
            }
        }
        if purged > 0 { logger.info("retention sweep removed \(purged) execution(s) and alert delivery record(s)") }
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
