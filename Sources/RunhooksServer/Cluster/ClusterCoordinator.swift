import CoreMetrics
import Foundation
import Logging
import RunhooksCluster
import RunhooksCore
import RunhooksEngine
import RunhooksStore
import ServiceLifecycle
import Synchronization

/// Turns the gossiped membership into running shards. Every `period` (and at once when the
/// view changes) it rebuilds the shard table by rendezvous placement over the live members,
/// takes or renews the leases of the shards it should own in one store transaction, starts
/// the wheels of the shards it now holds, stops at once those whose lease it lost, and hands
/// over (drain, then release) those that moved away. On graceful shutdown it hands over
/// every shard and tells the others it is leaving.
public final class ClusterCoordinator: Service, Sendable {
    public struct Settings: Sendable {
        public var gossipPort: Int
        public var seeds: [String]
        public var advertisedGatewayURL: String?
        public var leaseDuration: TimeInterval = 4
        public var period: Duration = .milliseconds(500)

        public init(gossipPort: Int, seeds: [String], advertisedGatewayURL: String?) {
            self.gossipPort = gossipPort
            self.seeds = seeds
            self.advertisedGatewayURL = advertisedGatewayURL
        }
    }

    public let gossip: GossipNode
    let ownership: ShardOwnership
    let engine: DeliveryEngine
    let store: any Store
    let clock: any WallClock
    let settings: Settings
    let logger: Logger
    private let gatewayURL = Mutex<String?>(nil)
    private let gatewayReady = AsyncStream<String>.makeStream()
    private let held = Mutex<[Int: ShardLease]>([:])
    private let membersGauges: [Membership.Status: Gauge]
    private let shardsRunning: Gauge
    private let leaseLosses: Counter

    public init(
        gossip: GossipNode, ownership: ShardOwnership, engine: DeliveryEngine, store: any Store, clock: any WallClock,
        settings: Settings, logger: Logger, metrics: any MetricsFactory = NOOPMetricsHandler.instance
    ) {
        var gauges: [Membership.Status: Gauge] = [:]
        for status in [Membership.Status.alive, .suspect, .dead, .left] {
            gauges[status] = Gauge(label: "runhooks_cluster_members", dimensions: [("status", "\(status)")], factory: metrics)
        }
        membersGauges = gauges
        shardsRunning = Gauge(label: "runhooks_cluster_shards_running", factory: metrics)
        leaseLosses = Counter(label: "runhooks_cluster_lease_losses_total", factory: metrics)
        self.gossip = gossip
        self.ownership = ownership
        self.engine = engine
        self.store = store
        self.clock = clock
        self.settings = settings
        self.logger = logger
    }

    var nodeId: String { ownership.localNodeId }

    /// The HTTP server calls this once it listens, with the URL other nodes should forward to.
    public func gatewayListening(at url: String) {
        gatewayURL.withLock { $0 = url }
        gatewayReady.continuation.yield(settings.advertisedGatewayURL ?? url)
        gatewayReady.continuation.finish()
    }

    public func run() async throws {
        var gateway: String?
        for await url in gatewayReady.stream {
            gateway = url
            break
        }
        guard let gateway else { return }  // shut down before the gateway listened
        try await gossip.start(port: settings.gossipPort, seeds: settings.seeds, httpURL: gateway)
        let address = await gossip.address
        logger.info("node \(nodeId) gossiping on \(address), gateway \(gateway)")
        if !settings.seeds.isEmpty {
            // Claiming shards before the seeds answer would grab shards that are about to be
            // someone else's; wait (bounded) for a first view of the cluster.
            let joined = await gossip.waitUntil(timeout: .seconds(5)) { $0.count > 1 }
            if !joined { logger.warning("no seed answered within 5 s (\(settings.seeds)); starting as a cluster of one") }
        }
        await cancelWhenGracefulShutdown {
            await self.coordinateUntilCancelled()
        }
        await handOverEverything()
        await gossip.leave()
    }

    private func coordinateUntilCancelled() async {
        var lastView: [String: Membership.Status] = [:]
        while !Task.isCancelled {
            await coordinate()
            let seen = lastView
            _ = await gossip.waitUntil(timeout: settings.period) { $0 != seen }
            lastView = await gossip.view
        }
    }

    /// One round: table, leases, wheels.
    func coordinate() async {
        let everyone = await gossip.members
        for (status, gauge) in membersGauges { gauge.record(everyone.filter { $0.status == status }.count) }
        defer { shardsRunning.record(engine.runningShards.count) }
        let members = everyone.filter { $0.status == .alive || $0.status == .suspect }
        let owners = ShardPlacement.table(members: members.map(\.id), shardCount: ownership.shards.shardCount)
        ownership.update(
            owners: owners, gatewayURLs: Dictionary(members.map { ($0.id, $0.httpURL) }, uniquingKeysWith: { first, _ in first }))
        let mine = ownership.localShards
        let now = clock.now()
        let leases: [Int: ShardLease]
        do {
            leases = try await store.acquireLeases(shards: mine, node: nodeId, duration: settings.leaseDuration, at: now)
        } catch {
            logger.error("cannot renew shard leases: \(error)")
            // Claims are fenced by the store anyway; stop wheels whose lease has run out.
            let expired = held.withLock { held in engine.runningShards.filter { (held[$0]?.expiresAt ?? .distantPast) <= now } }
            await engine.stopShards(expired)
            return
        }
        let previous = held.withLock { held in
            defer { held = leases }
            return held
        }
        let stale = engine.runningShards.filter { leases[$0] == nil || leases[$0]?.epoch != previous[$0]?.epoch }
        let lost = stale.filter { mine.contains($0) }
        if !lost.isEmpty {
            leaseLosses.increment(by: Int64(lost.count))
            logger.warning("lost the lease of shard(s) \(lost); stopping them")
            await engine.stopShards(lost)
        }
        let movedAway = stale.filter { !mine.contains($0) }
        if !movedAway.isEmpty {
            await engine.stopShards(movedAway)
            try? await store.releaseLeases(shards: movedAway, node: nodeId)
            logger.info("handed shard(s) \(movedAway) over")
        }
        let runningNow = Set(engine.runningShards)
        for (shard, lease) in leases.sorted(by: { $0.key < $1.key }) where !runningNow.contains(shard) {
            do {
                try await engine.startShard(shard, fence: LeaseFence(shard: shard, owner: nodeId, epoch: lease.epoch))
                logger.debug("running shard \(shard) (lease epoch \(lease.epoch))")
            } catch {
                logger.error("cannot start shard \(shard): \(error)")
            }
        }
    }

    /// Graceful leave: stop every wheel, let its runs finish, then give the leases up.
    private func handOverEverything() async {
        let shards = engine.runningShards
        await engine.stopShards(shards)
        try? await store.releaseLeases(shards: shards, node: nodeId)
        held.withLock { $0 = [:] }
        logger.info("node \(nodeId) handed over \(shards.count) shard(s)")
    }

    /// Shards whose lease this node held at the last round.
    public var heldShards: [Int] { held.withLock { Array($0.keys).sorted() } }
}
