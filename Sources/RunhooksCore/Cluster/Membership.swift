/// SWIM-style failure detection as a value type with no I/O (after apple/swift-cluster-membership):
/// the owner feeds it events (time passing, messages received) and carries out the directives
/// it returns (send this ping, tell the rest that member changed). Time is in milliseconds.
///
/// Each protocol period it pings one member in round-robin order; without an ack within
/// `pingTimeoutMs` it asks `indirectProbes` others to ping that member for it; without any
/// ack by the end of the period the member becomes `suspect`. A suspect that does not refute
/// (by gossiping a higher incarnation) within the Lifeguard-style suspicion timeout, which
/// grows with the log of the cluster size, is declared `dead`.
public struct Membership: Sendable {
    public enum Status: UInt8, Sendable, Comparable {
        case alive = 0, suspect = 1, dead = 2, left = 3
        public static func < (lhs: Status, rhs: Status) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public struct Member: Sendable, Equatable {
        public var id: String
        public var address: String
        /// The member's HTTP gateway, where other nodes forward its tenants' calls.
        public var httpURL: String
        public var status: Status
        public var incarnation: UInt64
        /// When the status last changed, in the owner's clock.
        public var since: Int64
    }

    /// A member's state as gossiped.
    public struct Update: Sendable, Equatable {
        public var id: String
        public var address: String
        public var status: Status
        public var incarnation: UInt64
        public var httpURL: String

        public init(id: String, address: String, status: Status, incarnation: UInt64, httpURL: String = "") {
            self.id = id
            self.address = address
            self.status = status
            self.incarnation = incarnation
            self.httpURL = httpURL
        }
    }

    public struct Settings: Sendable {
        public var protocolPeriodMs: Int64 = 500
        public var pingTimeoutMs: Int64 = 200
        public var indirectProbes = 3
        /// Suspicion lasts `suspicionMultiplier × log2(members + 1) × protocolPeriodMs`, at least `minimumSuspicionMs`.
        public var suspicionMultiplier: Double = 3
        public var minimumSuspicionMs: Int64 = 1500
        public init() {}
    }

    public enum Directive: Sendable, Equatable {
        case ping(target: String, sequence: UInt64)
        case pingRequest(via: String, target: String, sequence: UInt64)
        case ack(to: String, sequence: UInt64)
        case changed(Member)
    }

    public let localId: String
    public let settings: Settings
    public private(set) var members: [String: Member] = [:]
    public private(set) var incarnation: UInt64 = 0
    private var probeOrder: [String] = []
    private var probeIndex = 0
    private var nextProbeAt: Int64 = 0
    private var sequence: UInt64 = 0
    private var pending: (target: String, sequence: UInt64, sentAt: Int64, indirect: Bool)?
    /// Pings sent for another member's ping request: our sequence → (requester, their sequence).
    private var relays: [UInt64: (requester: String, sequence: UInt64)] = [:]
    private var random: SplitMix64
    /// Recent changes still to be piggybacked, each about `retransmitLimit` times (SWIM's
    /// infection-style dissemination), latest state per member.
    private var disseminating: [String: (update: Update, remaining: Int)] = [:]

    /// A process that restarts under the same id should start from a higher `incarnation` (say,
    /// its start time) so that members which saw it die take the new life.
    public init(
        localId: String, address: String, httpURL: String = "", incarnation: UInt64 = 0, settings: Settings = Settings(),
        seed: UInt64 = 1
    ) {
        self.localId = localId
        self.settings = settings
        self.incarnation = incarnation
        random = SplitMix64(seed: seed)
        members[localId] = Member(
            id: localId, address: address, httpURL: httpURL, status: .alive, incarnation: incarnation, since: 0)
        refreshViewDigest()
    }

    /// Members currently considered alive (suspects included: they still own their shards).
    public var aliveIds: [String] {
        members.values.filter { $0.status == .alive || $0.status == .suspect }.map(\.id).sorted()
    }

    /// A digest of who this member counts as owning shards (alive or suspect members, with
    /// their incarnations): two members with equal digests compute the same shard table.
    public private(set) var viewDigest: UInt64 = 0

    private mutating func refreshViewDigest() {
        let text = members.values.filter { $0.status == .alive || $0.status == .suspect }
            .map { "\($0.id)@\($0.incarnation)" }.sorted().joined(separator: ",")
        viewDigest = StableHash.fnv1a64(text)
    }

    /// How long a suspect has to refute before it is declared dead.
    public var suspicionTimeoutMs: Int64 {
        let count = Double(members.values.filter { $0.status < .dead }.count)
        let scaled = settings.suspicionMultiplier * (count + 1).approximateLog2 * Double(settings.protocolPeriodMs)
        return max(settings.minimumSuspicionMs, Int64(scaled))
    }

    // MARK: Events

    /// Time passed: run the probe schedule and expire suspicions.
    public mutating func tick(now: Int64) -> [Directive] {
        var directives: [Directive] = []
        if let probe = pending {
            if now >= probe.sentAt + settings.protocolPeriodMs {
                pending = nil
                if let member = members[probe.target], member.status == .alive {
                    directives += set(probe.target, status: .suspect, incarnation: member.incarnation, now: now)
                }
            } else if !probe.indirect, now >= probe.sentAt + settings.pingTimeoutMs {
                pending?.indirect = true
                for helper in pickHelpers(excluding: probe.target) {
                    directives.append(.pingRequest(via: helper, target: probe.target, sequence: probe.sequence))
                }
            }
        }
        let timeout = suspicionTimeoutMs
        for member in members.values where member.status == .suspect && now >= member.since + timeout {
            directives += set(member.id, status: .dead, incarnation: member.incarnation, now: now)
        }
        if pending == nil, now >= nextProbeAt, let target = nextProbeTarget() {
            sequence += 1
            pending = (target, sequence, now, false)
            nextProbeAt = now + settings.protocolPeriodMs
            directives.append(.ping(target: target, sequence: sequence))
        }
        return directives
    }

    public mutating func receivedPing(from: String, sequence: UInt64) -> [Directive] {
        [.ack(to: from, sequence: sequence)]
    }

    /// Another member asks us to ping `target` for it.
    public mutating func receivedPingRequest(from requester: String, target: String, sequence: UInt64) -> [Directive] {
        self.sequence += 1
        relays[self.sequence] = (requester, sequence)
        return [.ping(target: target, sequence: self.sequence)]
    }

    public mutating func receivedAck(from: String, sequence: UInt64, now: Int64) -> [Directive] {
        if let relay = relays.removeValue(forKey: sequence) {
            return [.ack(to: relay.requester, sequence: relay.sequence)]
        }
        guard let probe = pending, probe.sequence == sequence else { return [] }
        pending = nil
        return []
    }

    /// Merges gossiped member states by SWIM's rules: a higher incarnation wins; at the same
    /// incarnation suspect beats alive and dead beats both. Rumours about ourselves are refuted.
    public mutating func apply(_ update: Update, now: Int64) -> [Directive] {
        if update.id == localId {
            guard update.status == .suspect || update.status == .dead, update.incarnation >= incarnation else { return [] }
            incarnation = update.incarnation + 1
            members[localId]?.incarnation = incarnation
            members[localId]?.status = .alive
            refreshViewDigest()
            disseminate(members[localId]!)
            return [.changed(members[localId]!)]
        }
        guard let current = members[update.id] else {
            guard update.status < .dead else { return [] }
            return set(
                update.id, address: update.address, httpURL: update.httpURL, status: update.status,
                incarnation: update.incarnation, now: now)
        }
        if current.status == .dead || current.status == .left {
            // Only a newer life brings a dead member back.
            guard update.status == .alive, update.incarnation > current.incarnation else { return [] }
            return set(
                update.id, address: update.address, httpURL: update.httpURL, status: .alive,
                incarnation: update.incarnation, now: now)
        }
        let newer = update.incarnation > current.incarnation
        let sameButWorse = update.incarnation == current.incarnation && update.status > current.status
        guard newer || sameButWorse else { return [] }
        return set(
            update.id, address: update.address, httpURL: update.httpURL, status: update.status,
            incarnation: update.incarnation, now: now)
    }

    /// Starts a new life: a higher incarnation, gossiped, which beats every rumour of our death
    /// (members that declared us dead across a healed partition take us back).
    public mutating func renewIncarnation() -> [Directive] {
        incarnation += 1
        members[localId]?.incarnation = incarnation
        refreshViewDigest()
        disseminate(members[localId]!)
        return [.changed(members[localId]!)]
    }

    /// Members declared dead (not those that left) within the last `window` ms, most recent
    /// first: the ones a healed partition may give back.
    public func recentlyDead(now: Int64, within window: Int64) -> [Member] {
        members.values.filter { $0.status == .dead && now - $0.since <= window }.sorted { $0.since > $1.since }
    }

    /// Our own state to gossip.
    public var selfUpdate: Update {
        let me = members[localId]!
        return Update(id: me.id, address: me.address, status: me.status, incarnation: incarnation, httpURL: me.httpURL)
    }

    /// Every member's state, for a push-pull sync.
    public var snapshot: [Update] {
        members.values.sorted { $0.id < $1.id }.map {
            Update(id: $0.id, address: $0.address, status: $0.status, incarnation: $0.incarnation, httpURL: $0.httpURL)
        }
    }

    /// How many times a change is piggybacked: 3 × ⌈log2(n + 1)⌉, enough to reach every member
    /// with high probability.
    public var retransmitLimit: Int {
        let count = Double(members.values.filter { $0.status < .dead }.count)
        return 3 * max(1, Int((count + 1).approximateLog2.rounded(.up)))
    }

    /// Up to `limit` recent changes to piggyback on a ping or ack, least-sent first.
    public mutating func piggyback(limit: Int = 16) -> [Update] {
        let chosen = disseminating.values.sorted {
            ($0.remaining, $0.update.id) > ($1.remaining, $1.update.id)
        }.prefix(limit)
        for entry in chosen {
            let id = entry.update.id
            if entry.remaining <= 1 { disseminating.removeValue(forKey: id) } else { disseminating[id]?.remaining -= 1 }
        }
        return chosen.map(\.update)
    }

    private mutating func disseminate(_ member: Member) {
        disseminating[member.id] = (
            Update(
                id: member.id, address: member.address, status: member.status, incarnation: member.incarnation,
                httpURL: member.httpURL),
            retransmitLimit
        )
    }

    // MARK: Helpers

    private mutating func set(
        _ id: String, address: String? = nil, httpURL: String? = nil, status: Status, incarnation: UInt64, now: Int64
    ) -> [Directive] {
        var member = members[id]
            ?? Member(id: id, address: address ?? "", httpURL: httpURL ?? "", status: status, incarnation: incarnation, since: now)
        if let address, !address.isEmpty { member.address = address }
        if let httpURL, !httpURL.isEmpty { member.httpURL = httpURL }
        let changed = member.status != status || member.incarnation != incarnation || members[id] == nil
        if member.status != status { member.since = now }
        member.status = status
        member.incarnation = incarnation
        members[id] = member
        guard changed else { return [] }
        refreshViewDigest()
        disseminate(member)
        return [.changed(member)]
    }

    private mutating func nextProbeTarget() -> String? {
        let candidates = members.values.filter { $0.id != localId && $0.status < .dead }.map(\.id).sorted()
        guard !candidates.isEmpty else { return nil }
        if probeIndex >= probeOrder.count || Set(probeOrder) != Set(candidates) {
            probeOrder = shuffled(candidates)
            probeIndex = 0
        }
        defer { probeIndex += 1 }
        return probeOrder[probeIndex]
    }

    private mutating func pickHelpers(excluding target: String) -> [String] {
        let candidates = members.values.filter { $0.id != localId && $0.id != target && $0.status == .alive }.map(\.id).sorted()
        return Array(shuffled(candidates).prefix(settings.indirectProbes))
    }

    private mutating func shuffled(_ items: [String]) -> [String] {
        items.shuffled(using: &random)
    }
}

extension Double {
    /// A piecewise-linear log2, good enough to scale a timeout.
    fileprivate var approximateLog2: Double {
        var value = self
        var result = 0.0
        while value >= 2 {
            value /= 2
            result += 1
        }
        return result + (value - 1)
    }
}
