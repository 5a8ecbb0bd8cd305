import CoreMetrics
import Foundation
import Logging
import NIOCore
import NIOPosix
import RunhooksCore

/// One node's membership over TCP: listens for gossip frames, runs the SWIM state machine on a
/// tick, and sends what it directs. Each message goes over a short-lived connection, which
/// keeps the node free of connection state; clusters here are small.
public actor GossipNode {
    public nonisolated let id: String
    let host: String
    let advertisedHost: String
    private(set) var httpURL: String
    private var peer: GossipPeer
    private var membership: Membership { peer.membership }
    private var server: (any Channel)?
    /// Whether `start` has joined; until then the listener is bound but deaf.
    private var joined = false
    private var tasks: [Task<Void, Never>] = []
    private var sends: [Int: Task<Void, Never>] = [:]
    private var sendsLaunched = 0
    private let logger: Logger
    private let tickInterval: Duration
    private let clockStart = ContinuousClock.now
    public private(set) var port = 0
    private var viewWaiters: [(id: UInt64, condition: @Sendable ([String: Membership.Status]) -> Bool,
        continuation: CheckedContinuation<Bool, Never>)] = []
    private var nextWaiterId: UInt64 = 0
    private nonisolated let key: ClusterKey
    private nonisolated let rejections: FrameRejections

    /// `host` is where the listener binds; `advertisedHost` is how other nodes reach it (the
    /// bind address unless that is a wildcard); `httpURL` is this node's gateway.
    public init(
        id: String, key: ClusterKey, host: String = "127.0.0.1", advertisedHost: String? = nil, httpURL: String = "",
        settings: Membership.Settings = Membership.Settings(), tickInterval: Duration = .milliseconds(50),
        logger: Logger = Logger(label: "runhooks.gossip"), metrics: any MetricsFactory = NOOPMetricsHandler.instance
    ) {
        self.id = id
        self.key = key
        rejections = FrameRejections(metrics: metrics)
        self.host = host
        self.advertisedHost = advertisedHost ?? host
        self.httpURL = httpURL
        self.logger = logger
        self.tickInterval = tickInterval
        peer = GossipPeer(membership: Membership(localId: id, address: "", settings: settings, seed: StableHash.fnv1a64(id)))
    }

    var nowMs: Int64 {
        let elapsed = ContinuousClock.now - clockStart
        return elapsed.milliseconds
    }

    /// Binds the listener (port 0 picks one), unless `listen` already did, then joins through
    /// `seeds` ("host:port").
    public func start(port requested: Int = 0, seeds: [String] = [], httpURL: String? = nil) async throws {
        if let httpURL { self.httpURL = httpURL }
        if server == nil { try await listen(port: requested) }
        // A restarted node starts from a higher incarnation than its previous life.
        let incarnation = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        peer = GossipPeer(
            membership: Membership(
                localId: id, address: "\(advertisedHost):\(port)", httpURL: self.httpURL, incarnation: incarnation,
                settings: membership.settings, seed: StableHash.fnv1a64(id)),
            seed: StableHash.fnv1a64(id))
        joined = true
        tasks.append(Task { await self.tickLoop() })
        for envelope in peer.join(seeds: seeds) { send(envelope.message, to: envelope.address) }
    }

    /// Binds the listener without joining yet, so that a port that cannot be had is found
    /// before anything else starts. Frames that arrive before `start` are dropped.
    public func listen(port requested: Int = 0) async throws {
        guard server == nil else { return }
        let logger = self.logger
        let key = self.key
        let rejections = self.rejections
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        GossipInboundHandler(key: key, logger: logger, rejected: rejections.record) { [weak self] message in
                            guard let self else { return }
                            Task { await self.handle(message) }
                        })
                }
            }
            .bind(host: host, port: requested).get()
        // Another call bound meanwhile (the actor is re-entered at the await): keep that one.
        guard self.server == nil else {
            try? await server.close().get()
            return
        }
        self.server = server
        port = server.localAddress?.port ?? requested
    }

    /// Tells the other members this node is leaving (graceful shutdown), then stops.
    public func leave() async {
        let goodbyes = peer.leave()
        await withTaskGroup(of: Void.self) { group in
            for envelope in goodbyes {
                group.addTask { await Self.deliver(envelope.message, to: envelope.address, key: self.key) }
            }
        }
        await stop()
    }

    /// Frames dropped because their MAC did not verify.
    public nonisolated var rejectedFrames: Int { rejections.count }

    /// Returns true once `count` frames have been rejected, false after `timeout`.
    public nonisolated func waitForRejectedFrames(_ count: Int, timeout: Duration) async -> Bool {
        let rejections = self.rejections
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await rejections.wait(atLeast: count)
                return rejections.count >= count
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

    public func stop() async {
        let running = tasks
        tasks = []
        for task in running { task.cancel() }
        for task in running { await task.value }
        for task in Array(sends.values) { await task.value }
        try? await server?.close().get()
        server = nil
        joined = false
    }

    /// Members this node considers alive (suspects included), with their status.
    public var view: [String: Membership.Status] {
        membership.members.mapValues(\.status)
    }

    public var aliveMembers: [String] { membership.aliveIds }

    /// Every member this node knows, itself included.
    public var members: [Membership.Member] {
        membership.members.values.sorted { $0.id < $1.id }
    }

    /// This node's gossip address (host:port).
    public var address: String { membership.members[id]?.address ?? "" }

    /// Returns true once this node's view satisfies `condition` (checked now and after every
    /// membership change), or false after `timeout`.
    public func waitUntil(
        timeout: Duration, _ condition: @escaping @Sendable ([String: Membership.Status]) -> Bool
    ) async -> Bool {
        if condition(view) { return true }
        nextWaiterId += 1
        let id = nextWaiterId
        return await withCheckedContinuation { continuation in
            viewWaiters.append((id, condition, continuation))
            Task {
                try? await Task.sleep(for: timeout)
                self.expireWaiter(id)
            }
        }
    }

    private func expireWaiter(_ id: UInt64) {
        guard let index = viewWaiters.firstIndex(where: { $0.id == id }) else { return }
        viewWaiters.remove(at: index).continuation.resume(returning: false)
    }

    private func viewChanged() {
        let current = view
        let satisfied = viewWaiters.filter { $0.condition(current) }
        viewWaiters.removeAll { $0.condition(current) }
        for waiter in satisfied { waiter.continuation.resume(returning: true) }
    }

    // MARK: Loops

    private func tickLoop() async {
        while !Task.isCancelled {
            carryOut(peer.tick(now: nowMs))
            try? await Task.sleep(for: tickInterval)
        }
    }

    // MARK: Messages

    func handle(_ message: GossipMessage) {
        guard joined else { return }
        carryOut(peer.receive(message, now: nowMs))
    }

    private func carryOut(_ output: GossipPeer.Output) {
        for envelope in output.envelopes { send(envelope.message, to: envelope.address) }
        for member in output.changes {
            logger.info("member \(member.id) at \(member.address) is \(member.status) (incarnation \(member.incarnation))")
        }
        if !output.changes.isEmpty { viewChanged() }
    }

    /// Sends in a task of its own (a slow member never holds up the protocol), which the node
    /// keeps until it ends and `stop()` waits for; each is bounded by the connect timeout.
    private func send(_ message: GossipMessage, to address: String) {
        let key = self.key
        sendsLaunched += 1
        let id = sendsLaunched
        sends[id] = Task {
            await Self.deliver(message, to: address, key: key)
            self.sendEnded(id)
        }
    }

    private func sendEnded(_ id: Int) {
        sends.removeValue(forKey: id)
    }

    private static func deliver(_ message: GossipMessage, to address: String, key: ClusterKey) async {
        guard let separator = address.lastIndex(of: ":"), let port = Int(address[address.index(after: separator)...])
        else { return }
        let host = String(address[..<separator])
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(500))
                .connect(host: host, port: port).get()
            try await channel.writeAndFlush(ByteBuffer(bytes: key.seal(message.frame))).get()
            try await channel.close().get()
        } catch {
            // An unreachable member is the failure detector's business, not an error here.
        }
    }
}
