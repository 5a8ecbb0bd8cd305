/// A hierarchical timing wheel in the style of Kafka's. Level 0 has `slotsPerLevel` buckets
/// of 1 ms; each bucket of a higher level spans a whole turn of the level below, and levels
/// are added when a deadline lies beyond the top one. Buckets are contiguous arrays that keep
/// their capacity, so scheduling is an append, a cascade is a sequential scan, and a warmed-up
/// wheel does not allocate. Each level keeps a bitmap of its non-empty buckets, so finding the
/// next due bucket is a few bit scans and nothing ticks while nothing is due; the earliest
/// expiration is kept up to date by `schedule` and `advance`, so reading it costs nothing.
/// Bucket spans are powers of two: every time calculation is a shift or a mask.
///
/// Cancelling is O(1) and lazy: the timer's id goes into a set and the entry is dropped when
/// its bucket is reached. A handle may be cancelled only while its timer is pending (the
/// `KeyedTimingWheel` wrapper keeps that promise for its callers).
///
/// Time is whatever the owner passes in (milliseconds): there is no clock inside.
public struct TimingWheel<Payload> {
    public struct Handle: Hashable, Sendable {
        @usableFromInline let id: UInt64
        @inlinable init(id: UInt64) { self.id = id }
    }

    public struct Timer {
        public let handle: Handle
        public let deadline: Int64
        public let payload: Payload

        @inlinable init(handle: Handle, deadline: Int64, payload: Payload) {
            self.handle = handle
            self.deadline = deadline
            self.payload = payload
        }
    }

    @usableFromInline
    struct Entry {
        @usableFromInline let deadline: Int64
        @usableFromInline let id: UInt64
        @usableFromInline let payload: Payload

        @inlinable init(deadline: Int64, id: UInt64, payload: Payload) {
            self.deadline = deadline
            self.id = id
            self.payload = payload
        }
    }

    public let slotsPerLevel: Int
    @usableFromInline let slotMask: Int
    @usableFromInline let slotBits: Int
    @usableFromInline let wordsPerLevel: Int
    /// Level L's buckets span 2^(L × slotBits) ms.
    @usableFromInline var levelCount = 0
    /// The start of the bucket each level is at.
    @usableFromInline var currentTimes: [Int64] = []
    /// The earliest expiration of a non-empty bucket (or the overdue list), never later than
    /// the truth; nil when nothing is stored.
    @usableFromInline var earliest: Int64?
    /// Level × slotsPerLevel + bucket.
    @usableFromInline var buckets: [[Entry]] = []
    /// Level × wordsPerLevel + word: one bit per non-empty bucket.
    @usableFromInline var occupied: [UInt64] = []
    /// One word per level: one bit per non-zero word of `occupied`, so finding the next
    /// non-empty bucket is two bit scans however many buckets lie empty in between.
    @usableFromInline var summaries: [UInt64] = []
    @usableFromInline var overdue: [Entry] = []
    @usableFromInline var cancelled: Set<UInt64> = []
    @usableFromInline var nextId: UInt64 = 0
    @usableFromInline var storedCount = 0
    /// A spare array handed to each bucket as it is emptied, so capacities are recycled.
    @usableFromInline var spare: [Entry] = []

    /// `slotsPerLevel` must be a power of two, at most 4096.
    @inlinable
    public init(startTime: Int64, slotsPerLevel: Int = 256) {
        precondition(
            slotsPerLevel >= 2 && slotsPerLevel <= 4096 && slotsPerLevel & (slotsPerLevel - 1) == 0,
            "slots per level must be a power of two from 2 to 4096")
        self.slotsPerLevel = slotsPerLevel
        slotMask = slotsPerLevel - 1
        slotBits = slotsPerLevel.trailingZeroBitCount
        wordsPerLevel = (slotsPerLevel + 63) / 64
        addLevel(time: startTime)
    }

    @inlinable
    mutating func addLevel(time: Int64) {
        levelCount += 1
        currentTimes.append(time & ~tickMask(levelCount - 1))
        buckets += Array(repeating: [], count: slotsPerLevel)
        occupied += Array(repeating: 0, count: wordsPerLevel)
        summaries.append(0)
    }

    @inlinable func shift(_ level: Int) -> Int64 { Int64(level * slotBits) }
    @inlinable func tickMask(_ level: Int) -> Int64 { (1 << shift(level)) - 1 }
    /// How far ahead of its current time a level reaches.
    @inlinable func span(_ level: Int) -> Int64 { 1 << (shift(level) + Int64(slotBits)) }

    public var count: Int { storedCount }
    public var isEmpty: Bool { storedCount == 0 }
    public var currentTime: Int64 { currentTimes[0] }

    // MARK: Schedule and cancel

    @inlinable
    public mutating func schedule(at deadline: Int64, _ payload: Payload) -> Handle {
        nextId &+= 1
        storedCount += 1
        place(Entry(deadline: deadline, id: nextId, payload: payload))
        return Handle(id: nextId)
    }

    /// Cancels a pending timer (it must not have fired yet).
    @inlinable
    public mutating func cancel(_ handle: Handle) {
        if cancelled.insert(handle.id).inserted { storedCount -= 1 }
    }

    // MARK: Time

    /// When the owner should next call `advance`: never later than the earliest deadline, and
    /// earlier only when a higher level's bucket must cascade first (or a cancelled timer's
    /// bucket is still to be cleared).
    @inlinable
    public var nextExpiration: Int64? { earliest }

    /// Moves time to `now`; returns every timer whose deadline is ≤ `now`, in deadline order.
    @inlinable
    public mutating func advance(to now: Int64) -> [Timer] {
        var expired: [Timer] = []
        advance(to: now, into: &expired)
        return expired
    }

    /// Moves time to `now`, appending every timer whose deadline is ≤ `now` to `expired` in
    /// deadline order (a caller that reuses the array saves an allocation per wake-up).
    @inlinable
    public mutating func advance(to now: Int64, into expired: inout [Timer]) {
        if !overdue.isEmpty {
            let first = expired.count
            let entries = overdue
            overdue.removeAll(keepingCapacity: true)
            for entry in entries { expire(entry, into: &expired) }
            expired[first...].sort { $0.deadline < $1.deadline }
        }
        var higher = nextBucket(fromLevel: 1, toLevel: levelCount)
        var lower: (level: Int, bucket: Int, expiration: Int64)?
        while true {
            lower = nextBucket(fromLevel: 0, toLevel: 1)
            // On a tie the higher bucket goes first: its timers due at that instant join the
            // level-0 bucket before it is emptied.
            if let higherBucket = higher, higherBucket.expiration <= now,
                lower.map({ higherBucket.expiration <= $0.expiration }) ?? true
            {
                advanceLevels(to: higherBucket.expiration)
                var entries = takeBucket(level: higherBucket.level, bucket: higherBucket.bucket)
                for entry in entries {
                    if entry.deadline < currentTimes[0] + 1 { expire(entry, into: &expired) } else { place(entry) }
                }
                recycle(&entries)
                higher = nextBucket(fromLevel: 1, toLevel: levelCount)
                continue
            }
            guard let bucket = lower, bucket.expiration <= now else { break }
            advanceLevels(to: bucket.expiration)
            var entries = takeBucket(level: 0, bucket: bucket.bucket)
            for entry in entries { expire(entry, into: &expired) }
            recycle(&entries)
        }
        advanceLevels(to: now)
        // Both searches ended past `now`, and moving to `now` leaves their buckets in place.
        switch (lower?.expiration, higher?.expiration) {
        case (let low?, let high?): earliest = min(low, high)
        case (let low?, nil): earliest = low
        case (nil, let high?): earliest = high
        case (nil, nil): earliest = nil
        }
    }

    @inlinable
    mutating func expire(_ entry: Entry, into expired: inout [Timer]) {
        if !cancelled.isEmpty, cancelled.remove(entry.id) != nil { return }
        storedCount -= 1
        expired.append(Timer(handle: Handle(id: entry.id), deadline: entry.deadline, payload: entry.payload))
    }

    /// Empties a bucket, giving it the spare array's capacity; nothing is copied or allocated.
    @inlinable
    mutating func takeBucket(level: Int, bucket: Int) -> [Entry] {
        var entries: [Entry] = []
        swap(&entries, &spare)
        swap(&entries, &buckets[level * slotsPerLevel + bucket])
        let word = level * wordsPerLevel + bucket >> 6
        occupied[word] &= ~(1 << UInt64(bucket & 63))
        if occupied[word] == 0 { summaries[level] &= ~(1 << UInt64(bucket >> 6)) }
        return entries
    }

    /// Keeps an emptied bucket's capacity as the next spare (the array must be the only
    /// reference to its storage, or clearing it would copy).
    @inlinable
    mutating func recycle(_ entries: inout [Entry]) {
        entries.removeAll(keepingCapacity: true)
        swap(&entries, &spare)
    }

    @inlinable
    mutating func advanceLevels(to time: Int64) {
        for level in 0..<levelCount {
            let start = time & ~tickMask(level)
            if start > currentTimes[level] { currentTimes[level] = start }
        }
    }

    /// The non-empty bucket that expires first among levels `fromLevel..<toLevel`.
    @inlinable
    func nextBucket(fromLevel: Int, toLevel: Int) -> (level: Int, bucket: Int, expiration: Int64)? {
        var best: (level: Int, bucket: Int, expiration: Int64)?
        var level = fromLevel
        while level < toLevel {
            let currentSlot = currentTimes[level] >> shift(level)
            let start = Int(currentSlot & Int64(slotMask))
            if let distance = nextOccupied(level: level, from: start) {
                let expiration = (currentSlot + Int64(distance)) << shift(level)
                if best.map({ expiration < $0.expiration }) ?? true {
                    best = (level, (start + distance) & slotMask, expiration)
                }
            }
            level += 1
        }
        return best
    }

    /// How many buckets after `start` (circularly, 0 = `start` itself) the next non-empty one is.
    @inlinable
    func nextOccupied(level: Int, from start: Int) -> Int? {
        let base = level * wordsPerLevel
        let startWord = start >> 6
        let startBit = UInt64(start & 63)
        let first = occupied[base + startWord] & (~UInt64(0) << startBit)
        if first != 0 { return startWord << 6 + first.trailingZeroBitCount - start }
        let summary = summaries[level]
        // Words after the start word, then (wrapping round) the words before it.
        let later = summary & (~UInt64(0) << UInt64(startWord + 1))
        if later != 0 {
            let word = later.trailingZeroBitCount
            return word << 6 + occupied[base + word].trailingZeroBitCount - start
        }
        let earlier = summary & ((1 << UInt64(startWord)) - 1)
        if earlier != 0 {
            let word = earlier.trailingZeroBitCount
            return word << 6 + occupied[base + word].trailingZeroBitCount - start + slotsPerLevel
        }
        let wrapped = occupied[base + startWord] & ((1 << startBit) - 1)
        if wrapped != 0 { return startWord << 6 + wrapped.trailingZeroBitCount - start + slotsPerLevel }
        return nil
    }

    /// Puts an entry in the lowest level whose span covers its deadline (or the overdue list).
    @inlinable
    mutating func place(_ entry: Entry) {
        let deadline = entry.deadline
        if deadline < currentTimes[0] + 1 {
            overdue.append(entry)
            earliest = currentTimes[0]
            return
        }
        var level = 0
        while deadline >= currentTimes[level] + span(level) {
            level += 1
            if level == levelCount { addLevel(time: currentTimes[level - 1]) }
        }
        let bucket = Int((deadline >> shift(level)) & Int64(slotMask))
        buckets[level * slotsPerLevel + bucket].append(entry)
        occupied[level * wordsPerLevel + bucket >> 6] |= 1 << UInt64(bucket & 63)
        summaries[level] |= 1 << UInt64(bucket >> 6)
        let expiration = deadline & ~tickMask(level)
        if earliest.map({ expiration < $0 }) ?? true { earliest = expiration }
    }
}
