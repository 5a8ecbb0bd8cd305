import HeapModule

/// A hierarchical timing wheel whose nearest bucket is sorted instead of split into 1 ms slots.
///
/// Timers due at or after the `horizon` wait unsorted in buckets, Kafka-style: level 0 has
/// `slotsPerLevel` buckets of `slotsPerLevel` ms, each bucket of a higher level spans a whole
/// turn of the level below, and levels are added when a deadline lies beyond the top one. When
/// everything before the horizon has fired, the earliest bucket is pulled: a level-0 bucket is
/// sorted into the `run` and the horizon moves to its end; a higher one cascades into the
/// levels below first. Firing is then reading the run in order, so a wake-up costs a comparison
/// whether timers are dense (time advanced every millisecond) or sparse (one timer per
/// wake-up), and the next expiration is exact. A timer scheduled before the horizon (overdue,
/// or due inside the pulled bucket) goes into a small heap, merged with the run as they fire.
///
/// Buckets are contiguous arrays that keep their capacity, so scheduling is an append and a
/// warmed-up wheel does not allocate. Each level keeps a bitmap of its non-empty buckets and a
/// summary word over it, so finding the next bucket is a few bit scans however many lie empty.
/// Bucket spans are powers of two: every time calculation is a shift or a mask.
///
/// Cancelling is O(1) and lazy: the timer's id goes into a set and the entry is dropped when it
/// is reached. A handle may be cancelled only while its timer is pending (the
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
    struct Entry: Comparable {
        @usableFromInline let deadline: Int64
        @usableFromInline let id: UInt64
        @usableFromInline let payload: Payload

        @inlinable init(deadline: Int64, id: UInt64, payload: Payload) {
            self.deadline = deadline
            self.id = id
            self.payload = payload
        }

        @inlinable static func < (lhs: Self, rhs: Self) -> Bool { lhs.deadline < rhs.deadline }
        @inlinable static func == (lhs: Self, rhs: Self) -> Bool { lhs.id == rhs.id }
    }

    public let slotsPerLevel: Int
    @usableFromInline let slotMask: Int
    @usableFromInline let slotBits: Int
    @usableFromInline let wordsPerLevel: Int
    /// The latest time passed to `advance` (or the start).
    @usableFromInline var now: Int64
    /// Every timer due before it is in `run` or `late`; every one at or after it in a bucket.
    /// A multiple of level 0's bucket span.
    @usableFromInline var horizon: Int64
    /// The pulled buckets' timers in deadline order; those before `runIndex` have fired.
    @usableFromInline var run: [Entry] = []
    @usableFromInline var runIndex = 0
    /// Timers scheduled before the horizon since it moved.
    @usableFromInline var late = Heap<Entry>()
    /// Level L's buckets span 2^((L + 1) × slotBits) ms.
    @usableFromInline var levelCount = 0
    /// The start of the bucket that holds the horizon, per level.
    @usableFromInline var currentTimes: [Int64] = []
    /// Level × slotsPerLevel + bucket.
    @usableFromInline var buckets: [[Entry]] = []
    /// Level × wordsPerLevel + word: one bit per non-empty bucket.
    @usableFromInline var occupied: [UInt64] = []
    /// One word per level: one bit per non-zero word of `occupied`.
    @usableFromInline var summaries: [UInt64] = []
    @usableFromInline var cancelled: Set<UInt64> = []
    @usableFromInline var nextId: UInt64 = 0
    @usableFromInline var storedCount = 0
    /// A spare array handed to each bucket as it is emptied, so capacities are recycled.
    @usableFromInline var spare: [Entry] = []
    /// Per bucket, the arrays it filled before the one it is filling: a bucket past
    /// `chunkCapacity` timers starts another array instead of copying itself into a larger one
    /// (the copies, of timers long out of the cache, were a third of a sparse wheel's time).
    @usableFromInline var fullChunks: [[[Entry]]] = []
    /// Emptied chunks, kept for the next bucket that fills one.
    @usableFromInline var freeChunks: [[Entry]] = []
    @inlinable static var chunkCapacity: Int { 256 }
    @inlinable static var freeChunksKept: Int { 64 }
    /// Scratch space of `sortIntoRun`: one counter per millisecond of a level-0 bucket.
    @usableFromInline var counts: [Int]

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
        now = startTime
        horizon = startTime & ~Int64(slotMask)
        counts = Array(repeating: 0, count: slotsPerLevel)
        addLevel()
    }

    @inlinable
    mutating func addLevel() {
        levelCount += 1
        currentTimes.append(horizon & ~tickMask(levelCount - 1))
        buckets += Array(repeating: [], count: slotsPerLevel)
        fullChunks += Array(repeating: [], count: slotsPerLevel)
        occupied += Array(repeating: 0, count: wordsPerLevel)
        summaries.append(0)
    }

    // Always inlined, like every non-mutating method here: a call would copy the whole wheel
    // to pass it as `self` (a memcpy of some 200 bytes per timer, a third of the wheel's time).
    @inlinable @inline(__always) func shift(_ level: Int) -> Int64 { Int64((level + 1) * slotBits) }
    @inlinable @inline(__always) func tickMask(_ level: Int) -> Int64 { (1 << shift(level)) - 1 }
    /// How far ahead of its current time a level reaches.
    @inlinable @inline(__always) func span(_ level: Int) -> Int64 { 1 << (shift(level) + Int64(slotBits)) }

    @inlinable public var count: Int { storedCount }
    @inlinable public var isEmpty: Bool { storedCount == 0 }
    @inlinable public var currentTime: Int64 { now }

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

    /// When the owner should next call `advance`: the earliest deadline (never before the
    /// current time), earlier only while a cancelled timer is still stored or before the first
    /// `advance` after scheduling into an empty wheel.
    @inlinable @inline(__always)
    public var nextExpiration: Int64? {
        var next: Int64?
        if runIndex < run.count { next = run[runIndex].deadline }
        if let first = late.min, first.deadline < next ?? .max { next = first.deadline }
        // Only before the first `advance` after scheduling into an empty wheel: every advance
        // leaves the run or `late` holding the earliest timer while any is stored.
        if next == nil { next = earliestBucket()?.start }
        return next.map { max($0, now) }
    }

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
        while let timer = popExpired(upTo: now) { expired.append(timer) }
    }

    /// Moves time to `now` and takes the earliest timer whose deadline is ≤ `now`; nil when
    /// there is none (then `nextExpiration` is exact).
    @inlinable
    public mutating func popExpired(upTo now: Int64) -> Timer? {
        if now > self.now { self.now = now }
        while true {
            let head: Entry
            let fromRun: Bool
            if runIndex < run.count {
                let next = run[runIndex]
                if let first = late.min, first.deadline < next.deadline {
                    head = first
                    fromRun = false
                } else {
                    head = next
                    fromRun = true
                }
            } else if let first = late.min {
                head = first
                fromRun = false
            } else {
                if pullEarliestBucket() { continue }
                if storedCount == 0 { clear() }
                return nil
            }
            let isCancelled = !cancelled.isEmpty && cancelled.remove(head.id) != nil
            guard isCancelled || head.deadline <= now else { return nil }
            if fromRun { runIndex += 1 } else { late.removeMin() }
            if isCancelled { continue }
            storedCount -= 1
            return Timer(handle: Handle(id: head.id), deadline: head.deadline, payload: head.payload)
        }
    }

    /// Moves the horizon to the end of the earliest non-empty bucket and sorts that bucket's
    /// timers into `run` (cascading higher buckets on the way). Returns false when every bucket
    /// is empty. Called only once `run` and `late` are exhausted.
    @inlinable
    mutating func pullEarliestBucket() -> Bool {
        while let bucket = earliestBucket() {
            var (chunks, entries) = takeBucket(level: bucket.level, bucket: bucket.bucket)
            if bucket.level == 0 {
                moveHorizon(to: bucket.start + (1 << shift(0)))
                sortIntoRun(chunks: &chunks, entries: &entries)
                return true
            }
            moveHorizon(to: bucket.start)
            for chunk in chunks { cascade(chunk, into: bucket.level - 1) }
            release(&chunks)
            cascade(entries, into: bucket.level - 1)
            recycle(&entries)
        }
        return false
    }

    /// Makes a level-0 bucket's timers the run, in deadline order. Their deadlines differ only
    /// in the low `slotBits` bits, so a large bucket is sorted by counting (two passes, no
    /// comparisons) and a small one by insertion.
    @inlinable
    mutating func sortIntoRun(chunks: inout [[Entry]], entries: inout [Entry]) {
        runIndex = 0
        if chunks.isEmpty && entries.count <= 32 {
            entries.withUnsafeMutableBufferPointer { entries in
                for index in entries.indices.dropFirst() {
                    let entry = entries[index]
                    var slot = index
                    while slot > 0, entry.deadline < entries[slot - 1].deadline {
                        entries.swapAt(slot, slot - 1)
                        slot -= 1
                    }
                }
            }
            swap(&entries, &run)
            recycle(&entries)
            return
        }
        let mask = Int64(slotMask)
        run = counts.withUnsafeMutableBufferPointer { counts in
            for index in counts.indices { counts[index] = 0 }
            for chunk in chunks {
                for entry in chunk { counts[Int(entry.deadline & mask)] += 1 }
            }
            for entry in entries { counts[Int(entry.deadline & mask)] += 1 }
            var total = 0
            for index in counts.indices {
                let count = counts[index]
                counts[index] = total
                total += count
            }
            return [Entry](unsafeUninitializedCapacity: total) { sorted, initialized in
                for chunk in chunks {
                    for entry in chunk {
                        let key = Int(entry.deadline & mask)
                        (sorted.baseAddress! + counts[key]).initialize(to: entry)
                        counts[key] += 1
                    }
                }
                for entry in entries {
                    let key = Int(entry.deadline & mask)
                    (sorted.baseAddress! + counts[key]).initialize(to: entry)
                    counts[key] += 1
                }
                initialized = total
            }
        }
        release(&chunks)
        recycle(&entries)
    }

    /// Nothing is pending: drops what cancelled timers left behind and brings the horizon up to
    /// the current time, so new timers land in the lowest level.
    @inlinable
    mutating func clear() {
        if !cancelled.isEmpty {
            for level in 0..<levelCount {
                for word in 0..<wordsPerLevel where occupied[level * wordsPerLevel + word] != 0 {
                    for bit in 0..<64 where occupied[level * wordsPerLevel + word] & (1 << UInt64(bit)) != 0 {
                        var (chunks, entries) = takeBucket(level: level, bucket: word << 6 + bit)
                        release(&chunks)
                        recycle(&entries)
                    }
                }
            }
            late = Heap()
            cancelled.removeAll()
        }
        run.removeAll(keepingCapacity: true)
        runIndex = 0
        moveHorizon(to: max(horizon, now & ~Int64(slotMask)))
    }

    @inlinable
    mutating func moveHorizon(to time: Int64) {
        horizon = time
        for level in 0..<levelCount { currentTimes[level] = time & ~tickMask(level) }
    }

    /// Empties a bucket, giving it the spare array's capacity; nothing is copied or allocated.
    @inlinable
    mutating func takeBucket(level: Int, bucket: Int) -> (chunks: [[Entry]], entries: [Entry]) {
        var chunks: [[Entry]] = []
        if !fullChunks[level * slotsPerLevel + bucket].isEmpty {
            swap(&chunks, &fullChunks[level * slotsPerLevel + bucket])
        }
        var entries: [Entry] = []
        swap(&entries, &spare)
        swap(&entries, &buckets[level * slotsPerLevel + bucket])
        let word = level * wordsPerLevel + bucket >> 6
        occupied[word] &= ~(1 << UInt64(bucket & 63))
        if occupied[word] == 0 { summaries[level] &= ~(1 << UInt64(bucket >> 6)) }
        return (chunks, entries)
    }

    /// Keeps up to `freeChunksKept` emptied chunks for buckets that fill one later.
    @inlinable
    mutating func release(_ chunks: inout [[Entry]]) {
        while var chunk = chunks.popLast() {
            guard freeChunks.count < Self.freeChunksKept else { break }
            chunk.removeAll(keepingCapacity: true)
            freeChunks.append(chunk)
        }
        chunks.removeAll()
    }

    /// Keeps an emptied array's capacity as the next spare (the array must be the only
    /// reference to its storage, or clearing it would copy).
    @inlinable
    mutating func recycle(_ entries: inout [Entry]) {
        entries.removeAll(keepingCapacity: true)
        swap(&entries, &spare)
    }

    /// The non-empty bucket that starts first; on a tie the higher level's, whose timers due
    /// in the same span must cascade before the lower bucket is sorted.
    @inlinable @inline(__always)
    func earliestBucket() -> (level: Int, bucket: Int, start: Int64)? {
        var best: (level: Int, bucket: Int, start: Int64)?
        var level = levelCount - 1
        while level >= 0 {
            if summaries[level] != 0 {
                let currentSlot = currentTimes[level] >> shift(level)
                let first = Int(currentSlot & Int64(slotMask))
                if let distance = nextOccupied(level: level, from: first) {
                    let start = (currentSlot + Int64(distance)) << shift(level)
                    if best.map({ start < $0.start }) ?? true {
                        best = (level, (first + distance) & slotMask, start)
                    }
                }
            }
            level -= 1
        }
        return best
    }

    /// How many buckets after `start` (circularly, 0 = `start` itself) the next non-empty one is.
    @inlinable @inline(__always)
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

    /// Puts the timers of a higher bucket that the horizon has reached into `level`, the one
    /// below it, whose span now covers that bucket exactly: no level to search, and the bucket
    /// arrays are reached without a uniqueness check per timer.
    @inlinable
    mutating func cascade(_ entries: [Entry], into level: Int) {
        let levelShift = shift(level)
        let mask = Int64(slotMask)
        let base = level * slotsPerLevel
        let wordBase = level * wordsPerLevel
        var spill: [Entry] = []
        buckets.withUnsafeMutableBufferPointer { buckets in
            occupied.withUnsafeMutableBufferPointer { occupied in
                for entry in entries {
                    let bucket = Int((entry.deadline >> levelShift) & mask)
                    if buckets[base + bucket].count >= Self.chunkCapacity
                        && buckets[base + bucket].count == buckets[base + bucket].capacity
                    {
                        spill.append(entry)
                        continue
                    }
                    buckets[base + bucket].append(entry)
                    occupied[wordBase + bucket >> 6] |= 1 << UInt64(bucket & 63)
                }
            }
        }
        var summary: UInt64 = 0
        for word in 0..<wordsPerLevel where occupied[wordBase + word] != 0 { summary |= 1 << UInt64(word) }
        summaries[level] = summary
        // Buckets that fill a chunk go the general way, which starts another one.
        for entry in spill { place(entry) }
    }

    /// Puts an entry before the horizon into `late`, else into the lowest level whose span
    /// covers its deadline.
    @inlinable
    mutating func place(_ entry: Entry) {
        let deadline = entry.deadline
        if deadline < horizon {
            late.insert(entry)
            return
        }
        var level = 0
        // Level 0 starts at the horizon: most timers are placed without reading a level's time.
        if deadline >= horizon + span(0) {
            level = 1
            if level == levelCount { addLevel() }
            while deadline >= currentTimes[level] + span(level) {
                level += 1
                if level == levelCount { addLevel() }
            }
        }
        let bucket = Int((deadline >> shift(level)) & Int64(slotMask))
        let index = level * slotsPerLevel + bucket
        let count = buckets[index].count
        if count == 0 {
            // A bucket's bits are set when its array gets its first timer (again after a chunk).
            occupied[level * wordsPerLevel + bucket >> 6] |= 1 << UInt64(bucket & 63)
            summaries[level] |= 1 << UInt64(bucket >> 6)
        } else if count >= Self.chunkCapacity && count == buckets[index].capacity {
            var fresh = freeChunks.popLast() ?? []
            fresh.reserveCapacity(Self.chunkCapacity)
            swap(&fresh, &buckets[index])
            fullChunks[index].append(fresh)
        }
        buckets[index].append(entry)
    }
}
