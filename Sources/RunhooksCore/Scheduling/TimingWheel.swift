import HeapModule

/// A hierarchical timing wheel in the style of Kafka's: level 0 has `slotsPerLevel` buckets of
/// 1 ms; each higher level's bucket spans a whole turn of the level below, and levels are added
/// when a deadline lies beyond the top one. Insert and cancel are O(1); the owner learns when
/// to wake up from `nextExpiration`, a min-heap of the non-empty buckets only, so nothing ticks
/// while nothing is due. Time is whatever the owner passes in (milliseconds): no clock inside.
public struct TimingWheel<Key: Hashable, Payload> {
    public struct Timer {
        public let key: Key
        public let deadline: Int64
        public let payload: Payload
    }

    struct Slot {
        var timer: Timer
        var level: Int
        var bucket: Int
        var position: Int
    }

    struct Level {
        let tick: Int64
        let interval: Int64
        var currentTime: Int64
        var buckets: [[Int]]
        var expirations: [Int64]
    }

    struct PendingBucket: Comparable {
        let expiration: Int64
        let level: Int
        let bucket: Int
        static func < (lhs: Self, rhs: Self) -> Bool { lhs.expiration < rhs.expiration }
    }

    public let slotsPerLevel: Int
    private var levels: [Level] = []
    private var slots: [Slot?] = []
    private var freeSlots: [Int] = []
    private var slotOfKey: [Key: Int] = [:]
    private var pending = Heap<PendingBucket>()
    /// Timers whose deadline had already passed when they were inserted.
    private var overdue: [Int] = []

    public init(startTime: Int64, slotsPerLevel: Int = 256) {
        precondition(slotsPerLevel >= 2)
        self.slotsPerLevel = slotsPerLevel
        levels = [Self.makeLevel(tick: 1, slots: slotsPerLevel, time: startTime)]
    }

    private static func makeLevel(tick: Int64, slots: Int, time: Int64) -> Level {
        Level(
            tick: tick, interval: tick * Int64(slots), currentTime: time - time % tick,
            buckets: Array(repeating: [], count: slots), expirations: Array(repeating: -1, count: slots))
    }

    public var count: Int { slotOfKey.count }
    public var isEmpty: Bool { slotOfKey.isEmpty }
    public var currentTime: Int64 { levels[0].currentTime }

    public func contains(_ key: Key) -> Bool { slotOfKey[key] != nil }

    public func deadline(of key: Key) -> Int64? { slotOfKey[key].flatMap { slots[$0]?.timer.deadline } }

    /// When the owner should next call `advance`: the earliest non-empty bucket's time.
    public var nextExpiration: Int64? {
        if !overdue.isEmpty { return levels[0].currentTime }
        return pending.min?.expiration
    }

    /// Adds a timer, replacing any timer with the same key.
    public mutating func schedule(_ key: Key, at deadline: Int64, payload: Payload) {
        cancel(key)
        let timer = Timer(key: key, deadline: deadline, payload: payload)
        let index: Int
        if let free = freeSlots.popLast() {
            index = free
            slots[index] = Slot(timer: timer, level: -1, bucket: -1, position: -1)
        } else {
            index = slots.count
            slots.append(Slot(timer: timer, level: -1, bucket: -1, position: -1))
        }
        slotOfKey[key] = index
        place(index)
    }

    /// Removes a timer; returns its payload if it was scheduled.
    @discardableResult
    public mutating func cancel(_ key: Key) -> Payload? {
        guard let index = slotOfKey.removeValue(forKey: key), let slot = slots[index] else { return nil }
        if slot.level >= 0 {
            unlink(slot)
        } else if let position = overdue.firstIndex(of: index) {
            overdue.remove(at: position)
        }
        slots[index] = nil
        freeSlots.append(index)
        return slot.timer.payload
    }

    /// Moves time to `now` and returns every timer whose deadline is ≤ `now`, removed from the wheel.
    public mutating func advance(to now: Int64) -> [Timer] {
        var expired: [Int] = overdue
        overdue.removeAll()
        while let next = pending.min, next.expiration <= now {
            pending.removeMin()
            guard levels[next.level].expirations[next.bucket] == next.expiration else { continue }  // stale entry
            advanceLevels(to: next.expiration)
            let members = levels[next.level].buckets[next.bucket]
            levels[next.level].buckets[next.bucket] = []
            levels[next.level].expirations[next.bucket] = -1
            // Timers of a higher level cascade into lower ones (or expire) now that time has come.
            for index in members {
                slots[index]!.level = -1
                place(index, collectingExpired: &expired)
            }
        }
        advanceLevels(to: now)
        expired.sort { slots[$0]!.timer.deadline < slots[$1]!.timer.deadline }
        return expired.map { index in
            let timer = slots[index]!.timer
            slots[index] = nil
            freeSlots.append(index)
            slotOfKey.removeValue(forKey: timer.key)
            return timer
        }
    }

    private mutating func advanceLevels(to time: Int64) {
        for level in levels.indices where time >= levels[level].currentTime + levels[level].tick {
            levels[level].currentTime = time - time % levels[level].tick
        }
    }

    private mutating func place(_ index: Int) {
        var expired: [Int] = []
        place(index, collectingExpired: &expired)
        overdue += expired
    }

    /// Puts a timer in the lowest level whose span covers its deadline.
    private mutating func place(_ index: Int, collectingExpired expired: inout [Int]) {
        let deadline = slots[index]!.timer.deadline
        if deadline < levels[0].currentTime + levels[0].tick {
            expired.append(index)
            return
        }
        var level = 0
        while deadline >= levels[level].currentTime + levels[level].interval {
            level += 1
            if level == levels.count {
                let below = levels[level - 1]
                levels.append(Self.makeLevel(tick: below.interval, slots: slotsPerLevel, time: below.currentTime))
            }
        }
        let tick = levels[level].tick
        let virtualId = deadline / tick
        let bucket = Int(virtualId % Int64(slotsPerLevel))
        let expiration = virtualId * tick
        slots[index]!.level = level
        slots[index]!.bucket = bucket
        slots[index]!.position = levels[level].buckets[bucket].count
        levels[level].buckets[bucket].append(index)
        if levels[level].expirations[bucket] != expiration {
            levels[level].expirations[bucket] = expiration
            pending.insert(PendingBucket(expiration: expiration, level: level, bucket: bucket))
        }
    }

    private mutating func unlink(_ slot: Slot) {
        var members = levels[slot.level].buckets[slot.bucket]
        let last = members.removeLast()
        if slot.position < members.count {
            members[slot.position] = last
            slots[last]!.position = slot.position
        }
        levels[slot.level].buckets[slot.bucket] = members
        if members.isEmpty { levels[slot.level].expirations[slot.bucket] = -1 }
    }
}
