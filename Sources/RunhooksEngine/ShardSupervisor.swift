import CoreMetrics
import Foundation
import Logging
import RunhooksCore
import RunhooksStore
import Synchronization

/// Holds this node's shard leases and runs the shards it holds, in two loops that never wait
/// on each other:
/// - renewal, every `period`: releases the shards whose hand-over has finished, then takes or
///   renews, in one store transaction, the leases of the shards this node should own, runs, or
///   is still handing over. Nothing slow runs here, so a shard being drained never
///   delays the leases of the shards that stay.
/// - reconciliation, after every renewal and every change of the wanted set: starts the
///   shards whose lease it holds, stops at once those whose lease it lost (or whose epoch
///   changed: whatever ran under the old one is fenced out), and begins the hand-over of those
///   that moved away. A hand-over (drain, then settle what the drain timeout left) runs in a
///   task of its own; its lease is renewed meanwhile and released only once it is done, so
///   the next owner starts the shard only after that.
public final class ShardSupervisor: Sendable {
    public struct Settings: Sendable {
        public var leaseDuration: TimeInterval
        public var period: Duration

        public init(leaseDuration: TimeInterval = 4, period: Duration = .milliseconds(500)) {
            self.leaseDuration = leaseDuration
            self.period = period
        }
    }

    struct State {
        var wanted: Set<Int> = []
        var leaving = false
        var held: [Int: ShardLease] = [:]
        /// Shards whose wheel runs here, with the lease epoch they run under.
        var running: [Int: Int64] = [:]
        var handingOver: Set<Int> = []
        /// Drained and settled: released at the next renewal.
        var handedOver: Set<Int> = []
        var stopped = false

        var isSettledForLeave: Bool { leaving && running.isEmpty && handingOver.isEmpty && handedOver.isEmpty }
    }

    public let node: String
    let engine: DeliveryEngine
    let store: any LeaseStore
    let clock: any WallClock
    let settings: Settings
    let logger: Logger
    private let state = Mutex(State())
    private let handOvers = OwnedTasks()
    /// The lease renewal query in flight (at most one, even when it outlives its deadline).
    private let renewals = OwnedTasks()
    private let renewalWakeup = Wakeup()
    private let reconcileWakeup = Wakeup()
    private let leaseLosses: Counter
    private let renewalFailures: Counter

    public init(
        node: String, engine: DeliveryEngine, store: any LeaseStore, clock: any WallClock, settings: Settings = Settings(),
        logger: Logger, metrics: any MetricsFactory = NOOPMetricsHandler.instance
    ) {
        self.node = node
        self.engine = engine
        self.store = store
        self.clock = clock
        self.settings = settings
        self.logger = logger
        leaseLosses = Counter(label: "runhooks_cluster_lease_losses_total", factory: metrics)
        renewalFailures = Counter(label: "runhooks_cluster_lease_renewal_failures_total", factory: metrics)
    }

    /// The shards this node should own (from the placement table); the loops act on it at once.
    public func setWanted(_ shards: Set<Int>) {
        let changed = state.withLock { state in
            defer { state.wanted = shards }
            return state.wanted != shards
        }
        guard changed else { return }
        renewalWakeup.signal()
        reconcileWakeup.signal()
    }

    /// Shards whose lease this node held at the last renewal.
    public var heldShards: [Int] { state.withLock { $0.held.keys.sorted() } }

    /// Shards being drained before their lease is released.
    public var shardsHandingOver: [Int] { state.withLock { $0.handingOver.union($0.handedOver).sorted() } }

    // MARK: Renewal

    /// One renewal round: release what was handed over, then take or renew every lease wanted.
    public func renewLeases() async {
        let (release, wanted) = state.withLock { state in
            // A running shard keeps its lease until it is handed over and released, even when
            // the table no longer gives it to this node (reconciliation has yet to act on that).
            var keep = state.handingOver.union(state.running.keys)
            if !state.leaving { keep.formUnion(state.wanted) }
            var release = state.handedOver
            if state.leaving {
                // Held but never started (say, its start failed): nothing to drain.
                release.formUnion(Set(state.held.keys).subtracting(state.running.keys).subtracting(state.handingOver))
            }
            return (release, keep.subtracting(release))
        }
        if !release.isEmpty {
            do {
                try await store.releaseLeases(shards: release.sorted(), node: node)
                state.withLock { state in
                    state.handedOver.subtract(release)
                    for shard in release { state.held.removeValue(forKey: shard) }
                }
                logger.info("handed shard(s) \(release.sorted()) over")
            } catch {
                logger.error("cannot release the leases of shard(s) \(release.sorted()): \(error)")
            }
        }
        let now = clock.now()
        do {
            // A store that does not answer within the lease time (its link is down) counts as a
            // failed renewal: the leases lapse here as they do in the store. While that query is
            // still stuck, no other one is sent.
            guard renewals.count == 0 else { throw DeadlineExceeded() }
            let store = store
            let node = node
            let duration = settings.leaseDuration
            let leases = try await renewals.result(within: .milliseconds(Int(duration * 1000))) {
                try await store.acquireLeases(shards: wanted.sorted(), node: node, duration: duration, at: now)
            }
            state.withLock { $0.held = leases }
        } catch {
            renewalFailures.increment()
            logger.error("cannot renew shard leases: \(error)")
            // Claims are fenced by the store anyway; leases that ran out are gone.
            state.withLock { state in state.held = state.held.filter { $0.value.expiresAt > now } }
        }
        reconcileWakeup.signal()
    }

    // MARK: Reconciliation

    struct Changes {
        var abandon: [Int] = []
        var handOver: [Int] = []
        var start: [(shard: Int, epoch: Int64)] = []
    }

    /// Decides, in one step under the lock, what to start, abandon and hand over.
    private func plan() -> Changes {
        state.withLock { state in
            var changes = Changes()
            for (shard, epoch) in state.running.sorted(by: { $0.key < $1.key }) {
                if state.held[shard]?.epoch != epoch {
                    changes.abandon.append(shard)
                } else if state.leaving || !state.wanted.contains(shard) {
                    changes.handOver.append(shard)
                }
            }
            for shard in changes.abandon { state.running.removeValue(forKey: shard) }
            for shard in changes.handOver { state.running.removeValue(forKey: shard) }
            state.handingOver.formUnion(changes.handOver)
            guard !state.leaving else { return changes }
            for (shard, lease) in state.held.sorted(by: { $0.key < $1.key })
            where state.wanted.contains(shard) && state.running[shard] == nil && !state.handingOver.contains(shard)
                && !state.handedOver.contains(shard)
            {
                state.running[shard] = lease.epoch
                changes.start.append((shard, lease.epoch))
            }
            return changes
        }
    }

    /// One reconciliation round. Hand-overs it begins run on in tasks of their own.
    public func reconcile() async {
        let changes = plan()
        if !changes.abandon.isEmpty {
            leaseLosses.increment(by: Int64(changes.abandon.count))
            logger.warning("lost the lease of shard(s) \(changes.abandon); stopping them")
            await engine.abandon(changes.abandon)
        }
        if !changes.handOver.isEmpty {
            let shards = changes.handOver
            logger.info("handing shard(s) \(shards) over")
            let departure = await engine.stopWheels(shards)
            let started = handOvers.run {
                await self.engine.finishHandOver(departure)
                self.handOverFinished(shards)
            }
            if !started {
                await engine.finishHandOver(departure)
                handOverFinished(shards)
            }
        }
        var nowRunning: [Int] = []
        for (shard, epoch) in changes.start {
            do {
                try await engine.startShard(shard, fence: LeaseFence(shard: shard, owner: node, epoch: epoch))
                nowRunning.append(shard)
            } catch {
                logger.error("cannot start shard \(shard): \(error)")
                state.withLock { state in
                    if state.running[shard] == epoch { state.running.removeValue(forKey: shard) }
                }
            }
        }
        if !nowRunning.isEmpty { logger.info("running shard(s) \(nowRunning)") }
    }

    private func handOverFinished(_ shards: [Int]) {
        state.withLock { state in
            state.handingOver.subtract(shards)
            state.handedOver.formUnion(shards)
        }
        renewalWakeup.signal()
    }

    /// Waits until the hand-overs begun so far have finished.
    public func waitForHandOvers() async {
        await handOvers.waitUntilIdle()
    }

    // MARK: Running

    /// Runs both loops until `leave()` has handed every shard over and released its lease
    /// (or until cancelled).
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.renewUntilStopped() }
            await reconcileUntilLeft()
            state.withLock { $0.stopped = true }
            renewalWakeup.signal()
        }
        await handOvers.finish(timeout: .seconds(60))
        await renewals.finish(timeout: .seconds(5))
    }

    /// Graceful leave: hand every shard over, release the leases, then `run()` returns.
    public func leave() {
        state.withLock { $0.leaving = true }
        reconcileWakeup.signal()
        renewalWakeup.signal()
    }

    private func renewUntilStopped() async {
        while !Task.isCancelled, !state.withLock({ $0.stopped }) {
            await renewLeases()
            await renewalWakeup.wait(upTo: settings.period)
        }
    }

    private func reconcileUntilLeft() async {
        while !Task.isCancelled {
            await reconcile()
            if state.withLock({ $0.isSettledForLeave }) { return }
            await reconcileWakeup.wait(upTo: settings.period)
        }
    }
}
