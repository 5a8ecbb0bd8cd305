/// One member's side of the gossip protocol with no I/O: it feeds received messages and time
/// into `Membership` and says which messages to send where. `GossipNode` carries them over
/// TCP; `MembershipSimulation` carries them in memory.
public struct GossipPeer: Sendable {
    /// A message to send to a member's gossip address.
    public struct Envelope: Sendable, Equatable {
        public var address: String
        public var message: GossipMessage
    }

    /// What one event produced: messages to send and members whose state changed.
    public struct Output: Sendable {
        public var envelopes: [Envelope] = []
        public var changes: [Membership.Member] = []
    }

    /// At most this many member updates ride on one ping or ack.
    public static let piggybackLimit = 16
    /// A sync frame carries at most this many members (the wire count is one byte).
    public static let syncChunk = 255

    public private(set) var membership: Membership
    let syncIntervalMs: Int64
    private var lastSync: Int64?
    private var lastReconnect: Int64?
    /// How long after its death a member is still asked to come back (a partition may heal).
    public static let reconnectWindowMs: Int64 = 3_600_000
    /// When this member last answered a differing view with a sync, by peer.
    private var lastRepair: [String: Int64] = [:]
    private var random: SplitMix64

    public init(membership: Membership, syncIntervalMs: Int64 = 2000, seed: UInt64 = 1) {
        self.membership = membership
        self.syncIntervalMs = syncIntervalMs
        random = SplitMix64(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    public var id: String { membership.localId }

    /// Asks `seeds` (gossip addresses) to let this member in.
    public func join(seeds: [String]) -> [Envelope] {
        seeds.map { Envelope(address: $0, message: .join(membership.selfUpdate)) }
    }

    /// The goodbye for a graceful leave, to every member still around.
    public func leave() -> [Envelope] {
        var update = membership.selfUpdate
        update.status = .left
        return membership.members.values.filter { $0.id != id && $0.status < .dead }
            .map { Envelope(address: $0.address, message: .leave(update)) }
    }

    /// Time passed: probes, suspicion timeouts and, every `syncIntervalMs`, a push-pull sync
    /// with one random member.
    public mutating func tick(now: Int64) -> Output {
        var output = Output()
        execute(membership.tick(now: now), into: &output)
        reconnect(now: now, into: &output)
        if now - (lastSync ?? now - syncIntervalMs) >= syncIntervalMs {
            let peers = membership.aliveIds.filter { $0 != id }
            if !peers.isEmpty, let address = membership.members[peers[Int(random.next() % UInt64(peers.count))]]?.address {
                lastSync = now
                output.envelopes += syncEnvelopes(to: address)
            }
        }
        return output
    }

    public mutating func receive(_ message: GossipMessage, now: Int64) -> Output {
        var output = Output()
        switch message {
        case .ping(let from, let sequence, let view, let updates):
            merge(updates, now: now, into: &output)
            execute(membership.receivedPing(from: from, sequence: sequence), into: &output)
            repairIfViewsDiffer(from: from, theirs: view, now: now, into: &output)
        case .ack(let from, let sequence, let view, let updates):
            merge(updates, now: now, into: &output)
            execute(membership.receivedAck(from: from, sequence: sequence, now: now), into: &output)
            repairIfViewsDiffer(from: from, theirs: view, now: now, into: &output)
        case .pingRequest(let from, let target, let sequence):
            execute(membership.receivedPingRequest(from: from, target: target, sequence: sequence), into: &output)
        case .join(let update):
            merge([update], now: now, into: &output)
            // A new incarnation of ours, in the sync that answers, brings us back to a joiner
            // that had declared us dead (its side of a healed partition).
            execute(membership.renewIncarnation(), into: &output)
            output.envelopes += syncEnvelopes(to: update.address)
        case .sync(let updates):
            merge(updates, now: now, into: &output)
        case .leave(let update):
            merge([update], now: now, into: &output)
        }
        return output
    }

    /// Members declared dead are asked, now and then, to take us back: after a partition heals,
    /// each side holds the other dead and no probe would ever cross. A join with a new
    /// incarnation of ours revives us there; their answer (a new incarnation of theirs) revives
    /// them here. Every 2 s while a death is recent (a minute), every 15 s after that.
    private mutating func reconnect(now: Int64, into output: inout Output) {
        let dead = membership.recentlyDead(now: now, within: Self.reconnectWindowMs)
        guard let latest = dead.first else { return }
        let interval: Int64 = now - latest.since <= 60_000 ? 2000 : 15_000
        guard now - (lastReconnect ?? now - interval) >= interval else { return }
        lastReconnect = now
        execute(membership.renewIncarnation(), into: &output)
        for member in dead where !member.address.isEmpty {
            output.envelopes.append(Envelope(address: member.address, message: .join(membership.selfUpdate)))
        }
    }

    /// Views that differ give different shard tables: push ours to the peer at once (at most
    /// once per second per peer) instead of waiting for the periodic sync.
    private mutating func repairIfViewsDiffer(from peer: String, theirs: UInt64, now: Int64, into output: inout Output) {
        guard theirs != 0, theirs != membership.viewDigest, let address = address(of: peer),
            now - (lastRepair[peer] ?? .min / 2) >= 1000
        else { return }
        lastRepair[peer] = now
        output.envelopes += syncEnvelopes(to: address)
    }

    private func syncEnvelopes(to address: String) -> [Envelope] {
        let snapshot = membership.snapshot
        return stride(from: 0, to: snapshot.count, by: Self.syncChunk).map { start in
            Envelope(address: address, message: .sync(Array(snapshot[start..<min(start + Self.syncChunk, snapshot.count)])))
        }
    }

    private mutating func merge(_ updates: [Membership.Update], now: Int64, into output: inout Output) {
        for update in updates { execute(membership.apply(update, now: now), into: &output) }
    }

    private mutating func execute(_ directives: [Membership.Directive], into output: inout Output) {
        for directive in directives {
            switch directive {
            case .ping(let target, let sequence):
                if let address = address(of: target) {
                    let updates = piggyback()
                    output.envelopes.append(Envelope(address: address, message: .ping(from: id, sequence: sequence, view: membership.viewDigest, updates: updates)))
                }
            case .pingRequest(let via, let target, let sequence):
                if let address = address(of: via) {
                    output.envelopes.append(
                        Envelope(address: address, message: .pingRequest(from: id, target: target, sequence: sequence)))
                }
            case .ack(let to, let sequence):
                if let address = address(of: to) {
                    let updates = piggyback()
                    output.envelopes.append(Envelope(address: address, message: .ack(from: id, sequence: sequence, view: membership.viewDigest, updates: updates)))
                }
            case .changed(let member):
                output.changes.append(member)
            }
        }
    }

    /// Our own state (so a receiver that has not met us can answer) and recent changes.
    private mutating func piggyback() -> [Membership.Update] {
        [membership.selfUpdate] + membership.piggyback(limit: Self.piggybackLimit - 1)
    }

    private func address(of member: String) -> String? {
        membership.members[member]?.address
    }
}
