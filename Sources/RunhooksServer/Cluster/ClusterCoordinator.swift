import CoreMetrics
import Foundation
import Logging
import NIOCore
import RunhooksCluster
import RunhooksCore
import RunhooksEngine
import RunhooksStore
import ServiceLifecycle
import Synchronization

/// Turns the gossiped membership into running shards. Whenever the view changes (and every
/// `period`) it rebuilds the shard table by rendezvous placement over the live members and
/// tells the `ShardSupervisor` which shards this node should own; the supervisor keeps the
/// leases and starts, stops and hands over the shards, on loops of its own. On graceful
/// shutdown the node tells the others it is leaving, then hands every shard over.
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
    let supervisor: ShardSupervisor
    let settings: Settings
    let logger: Logger
    private let gatewayURL = Mutex<String?>(nil)
    private let gatewayReady = AsyncStream<String>.makeStream()
    private let membersGauges: [Membership.Status: Gauge]
    private let shardsRunning: Gauge

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
        self.gossip = gossip
        self.ownership = ownership
        self.engine = engine
        supervisor = ShardSupervisor(
            node: ownership.localNodeId, engine: engine, store: store, clock: clock,
            settings: ShardSupervisor.Settings(leaseDuration: settings.leaseDuration, period: settings.period),
            logger: logger, metrics: metrics)
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

    /// Binds the gossip listener ahead of the HTTP server, so that a gossip port that is taken
    /// stops the node before it says it listens. `run` joins the cluster through it later.
    public func listen() async throws {
        do {
            try await gossip.listen(port: settings.gossipPort)
        } catch let error as IOError {
            throw ConfigurationError("cannot listen for gossip on port \(settings.gossipPort) (--cluster-port): \(error.systemReason)")
        }
    }

    public func run() async throws {
        var gateway: String?
        for await url in gatewayReady.stream {
            gateway = url
            break
        }
        guard let gateway else {  // shut down before the gateway listened
            await gossip.stop()
            return
        }
        try await listen()
        try await gossip.start(port: settings.gossipPort, seeds: settings.seeds, httpURL: gateway)
        let address = await gossip.address
        logger.info("node \(nodeId) gossiping on \(address), gateway \(gateway)")
        if !settings.seeds.isEmpty {
            // Claiming shards before the seeds answer would grab shards that are about to be
            // someone else's; wait (bounded) for a first view of the cluster.
            let joined = await gossip.waitUntil(timeout: .seconds(5)) { $0.count > 1 }
            if !joined { logger.warning("no seed answered within 5 s (\(settings.seeds)); starting as a cluster of one") }
        }
        await updateTable()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.supervisor.run() }
            await cancelWhenGracefulShutdown {
                await self.followViewUntilCancelled()
            }
            // Graceful leave: tell the others first, so that they route this node's tenants to
            // the next owners at once (reads are served there; changes once the leases are
            // released) and take each shard as soon as its lease is free; then hand every shard
            // over. The leases live in the store: renewing them while they drain needs no gossip.
            await gossip.leave()
            supervisor.leave()
        }
        logger.info("node \(nodeId) handed its shards over")
    }

    private func followViewUntilCancelled() async {
        var lastView = await gossip.view
        while !Task.isCancelled {
            let seen = lastView
            _ = await gossip.waitUntil(timeout: settings.period) { $0 != seen }
            lastView = await gossip.view
            await updateTable()
        }
    }

    /// Rebuilds the shard table from the members gossip sees and hands this node's part to
    /// the supervisor.
    func updateTable() async {
        let everyone = await gossip.members
        for (status, gauge) in membersGauges { gauge.record(everyone.filter { $0.status == status }.count) }
        shardsRunning.record(engine.runningShards.count)
        let members = everyone.filter { $0.status == .alive || $0.status == .suspect }
        let owners = ShardPlacement.table(members: members.map(\.id), shardCount: ownership.shards.shardCount)
        ownership.update(
            owners: owners, gatewayURLs: Dictionary(members.map { ($0.id, $0.httpURL) }, uniquingKeysWith: { first, _ in first }))
        supervisor.setWanted(Set(ownership.localShards))
    }

    /// Shards whose lease this node held at the last renewal.
    public var heldShards: [Int] { supervisor.heldShards }
}
