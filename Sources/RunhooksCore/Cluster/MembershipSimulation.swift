/// Runs many `GossipPeer`s against each other in memory with a manual clock, to measure how
/// the protocol behaves at sizes one machine cannot run as processes. Messages take one
/// step to arrive; a killed member neither receives nor sends.
public struct MembershipSimulation: Sendable {
    public let stepMs: Int64
    public private(set) var now: Int64 = 0
    public private(set) var peers: [String: GossipPeer] = [:]
    public private(set) var down: Set<String> = []
    public private(set) var messagesSent = 0
    private var inFlight: [(from: String, envelope: GossipPeer.Envelope)] = []
    /// Members cut off from the rest (both keep running; nothing crosses between them).
    public private(set) var isolated: Set<String> = []
    private let settings: Membership.Settings

    /// `count` members named n0…n(count−1) that already know each other (a settled cluster).
    public init(count: Int, settings: Membership.Settings = Membership.Settings(), stepMs: Int64 = 50, seed: UInt64 = 1) {
        self.stepMs = stepMs
        self.settings = settings
        let ids = (0..<count).map { "n\($0)" }
        for (index, id) in ids.enumerated() {
            var membership = Membership(localId: id, address: id, settings: settings, seed: seed &+ UInt64(index))
            for other in ids where other != id {
                _ = membership.apply(.init(id: other, address: other, status: .alive, incarnation: 0), now: 0)
            }
            // Start settled: nothing left to disseminate about the initial members.
            while !membership.piggyback(limit: 1024).isEmpty {}
            peers[id] = GossipPeer(membership: membership, seed: seed &+ UInt64(index))
        }
    }

    /// Advances the clock by one step: delivers what was sent last step, then ticks every member.
    public mutating func step() {
        now += stepMs
        let arriving = inFlight
        inFlight = []
        for (from, envelope) in arriving where !down.contains(envelope.address) {
            guard isolated.contains(from) == isolated.contains(envelope.address) else { continue }
            guard var peer = peers[envelope.address] else { continue }
            let output = peer.receive(envelope.message, now: now)
            peers[envelope.address] = peer
            send(output.envelopes, from: envelope.address)
        }
        for id in peers.keys.sorted() where !down.contains(id) {
            var peer = peers[id]!
            let output = peer.tick(now: now)
            peers[id] = peer
            send(output.envelopes, from: id)
        }
    }

    private mutating func send(_ envelopes: [GossipPeer.Envelope], from sender: String) {
        messagesSent += envelopes.count
        inFlight += envelopes.map { (sender, $0) }
    }

    /// Cuts `ids` off from the others (a network partition); `heal` joins them again.
    public mutating func partition(_ ids: Set<String>) {
        isolated = ids
    }

    public mutating func heal() {
        isolated = []
    }

    /// Stops a member without a word (a crash or a cut cable).
    public mutating func kill(_ id: String) {
        down.insert(id)
    }

    /// Starts a new member that joins through `seed`.
    public mutating func join(_ id: String, through seed: String) {
        let membership = Membership(localId: id, address: id, incarnation: 1, settings: settings, seed: UInt64(now))
        let peer = GossipPeer(membership: membership, seed: UInt64(now) &+ 7)
        send(peer.join(seeds: [seed]), from: id)
        peers[id] = peer
    }

    /// How many running members see `member` in `status`.
    public func count(seeing member: String, as status: Membership.Status) -> Int {
        peers.filter { !down.contains($0.key) && $0.key != member }
            .filter { $0.value.membership.members[member]?.status == status }.count
    }

    /// Running members other than `member`.
    public func others(than member: String) -> Int {
        peers.keys.filter { !down.contains($0) && $0 != member }.count
    }

    /// Steps until `condition` holds or `limitMs` of simulated time pass; returns the time it
    /// took in milliseconds, or nil.
    public mutating func run(untilMs limitMs: Int64, _ condition: (MembershipSimulation) -> Bool) -> Int64? {
        let start = now
        while now - start < limitMs {
            if condition(self) { return now - start }
            step()
        }
        return condition(self) ? now - start : nil
    }
}
