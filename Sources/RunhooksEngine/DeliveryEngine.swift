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
    let claimLeadMs: Int64
    /// The shards whose wheels run on this node now; the cluster coordinator starts and stops them.
    private let shards = Mutex<[Int: ShardActor]>([:])
    private let initialShards: [Int]
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
        self.runner = runner
        claimLeadMs = claimLead.milliseconds
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

    /// Loads a shard from the store and starts its wheel under `fence` (nil: no cluster).
    public func startShard(_ shard: Int, fence: LeaseFence?) async throws {
        let actor = ShardActor(shard: shard, runner: runner, inFlight: inFlight, claimLeadMs: claimLeadMs, logger: logger)
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
            _ = shards.withLock { $0.removeValue(forKey: shard) }
            throw error
        }
    }

    /// Stops shards' wheels, lets their runs in flight end (bounded by the drain timeout, for
    /// all of them together) and commits their writes, so the next owner starts from a
    /// settled store. Their tenants' actors are dropped.
    public func stopShards(_ numbers: [Int]) async {
        let actors = shards.withLock { shards in numbers.compactMap { shards.removeValue(forKey: $0) } }
        guard !actors.isEmpty else { return }
        for actor in actors { await actor.stop() }
        await withTimeout(drainTimeout) {
            await withTaskGroup(of: Void.self) { group in
                for actor in actors { group.addTask { await actor.waitUntilIdle() } }
            }
        }
        await journal.drain()
        for actor in actors { tenants.forget(shard: actor.shard) }
    }

    /// Runs `body` until it returns or `timeout` passes; true if it returned.
    @discardableResult
    private func withTimeout(_ timeout: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await body()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Stops the wheels, waits for runs in flight (bounded), and commits pending writes.
    public func stop() async {
        let running = shards.withLock { shards in
            defer { shards = [:] }
            return Array(shards.values)
        }
        for shard in running { await shard.stop() }
        let inFlight = self.inFlight
        let drained = await withTimeout(drainTimeout) { await inFlight.waitUntilIdle() }
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
        let shard = context.shards.shard(forUser: userId)
        return shards.withLock { $0[shard] }
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
