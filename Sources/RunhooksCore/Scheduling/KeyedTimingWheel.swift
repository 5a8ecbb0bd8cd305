/// A `TimingWheel` addressed by key: scheduling a key again replaces its timer.
public struct KeyedTimingWheel<Key: Hashable, Payload> {
    public struct Timer {
        public let key: Key
        public let deadline: Int64
        public let payload: Payload

        @inlinable init(key: Key, deadline: Int64, payload: Payload) {
            self.key = key
            self.deadline = deadline
            self.payload = payload
        }
    }

    @usableFromInline var wheel: TimingWheel<(key: Key, payload: Payload)>
    @usableFromInline var pending: [Key: (handle: TimingWheel<(key: Key, payload: Payload)>.Handle, deadline: Int64)] = [:]
    @usableFromInline var due: [TimingWheel<(key: Key, payload: Payload)>.Timer] = []

    @inlinable
    public init(startTime: Int64, slotsPerLevel: Int = 256) {
        wheel = TimingWheel(startTime: startTime, slotsPerLevel: slotsPerLevel)
    }

    // Inlinable: called from another module, a non-inlined getter would copy the whole wheel.
    @inlinable public var count: Int { pending.count }
    @inlinable public var isEmpty: Bool { pending.isEmpty }
    @inlinable public var nextExpiration: Int64? { pending.isEmpty ? nil : wheel.nextExpiration }

    @inlinable public func contains(_ key: Key) -> Bool { pending[key] != nil }

    @inlinable public func deadline(of key: Key) -> Int64? { pending[key]?.deadline }

    @inlinable
    public mutating func schedule(_ key: Key, at deadline: Int64, payload: Payload) {
        if let existing = pending[key] { wheel.cancel(existing.handle) }
        pending[key] = (wheel.schedule(at: deadline, (key, payload)), deadline)
    }

    /// Cancels the key's timer; returns whether one was pending.
    @inlinable @discardableResult
    public mutating func cancel(_ key: Key) -> Bool {
        guard let existing = pending.removeValue(forKey: key) else { return false }
        wheel.cancel(existing.handle)
        return true
    }

    @inlinable
    public mutating func advance(to now: Int64) -> [Timer] {
        var expired: [Timer] = []
        advance(to: now, into: &expired)
        return expired
    }

    /// Appends the timers due at `now` to `expired` (an owner that keeps the array between
    /// wake-ups allocates nothing per wake-up).
    @inlinable
    public mutating func advance(to now: Int64, into expired: inout [Timer]) {
        wheel.advance(to: now, into: &due)
        for timer in due {
            pending.removeValue(forKey: timer.payload.key)
            expired.append(Timer(key: timer.payload.key, deadline: timer.deadline, payload: timer.payload.payload))
        }
        due.removeAll(keepingCapacity: true)
    }
}
