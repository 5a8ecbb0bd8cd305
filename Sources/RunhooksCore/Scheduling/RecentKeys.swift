/// The keys seen within the last `windowMs`: a key inserted again within the window is refused,
/// and keys older than it are forgotten as new ones come, so memory follows the rate of keys
/// rather than their total.
public struct RecentKeys: Sendable {
    public let windowMs: Int64
    private var seenAt: [String: Int64] = [:]
    private var order: [(key: String, ms: Int64)] = []
    private var head = 0

    public init(windowMs: Int64) {
        self.windowMs = windowMs
    }

    /// How many keys are remembered.
    public var count: Int { seenAt.count }

    /// Records `key` as seen at `nowMs`; false when it was already seen within the window.
    public mutating func insert(_ key: String, at nowMs: Int64) -> Bool {
        forget(before: nowMs - windowMs)
        guard seenAt[key] == nil else { return false }
        seenAt[key] = nowMs
        order.append((key, nowMs))
        return true
    }

    /// Forgets `key` now, so that inserting it again succeeds.
    public mutating func remove(_ key: String) {
        seenAt.removeValue(forKey: key)
    }

    private mutating func forget(before cutoff: Int64) {
        while head < order.count, order[head].ms < cutoff {
            // Unless the key was removed and inserted again since: that entry is still young.
            if seenAt[order[head].key] == order[head].ms { seenAt.removeValue(forKey: order[head].key) }
            head += 1
        }
        // The forgotten front is dropped once it is most of the array (amortised O(1)).
        if head >= 64, head * 2 >= order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
