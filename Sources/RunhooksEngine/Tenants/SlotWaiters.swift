import HeapModule

/// The runs waiting for one of a tenant's concurrency slots, served earliest due first (and,
/// among runs due in the same millisecond, first come first served). A run queues as soon as
/// it is claimed, ahead of its time: served in arrival order at their send time instead, runs
/// due soon lost each freed slot to runs claimed later for later slots, and went out late.
struct SlotWaiters {
    private struct Waiter: Comparable {
        var dueMs: Int64
        var arrival: UInt64
        var continuation: CheckedContinuation<Void, Never>

        static func < (lhs: Waiter, rhs: Waiter) -> Bool {
            (lhs.dueMs, lhs.arrival) < (rhs.dueMs, rhs.arrival)
        }

        static func == (lhs: Waiter, rhs: Waiter) -> Bool {
            (lhs.dueMs, lhs.arrival) == (rhs.dueMs, rhs.arrival)
        }
    }

    private var heap = Heap<Waiter>()
    private var arrivals: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }

    mutating func append(_ continuation: CheckedContinuation<Void, Never>, dueMs: Int64) {
        arrivals &+= 1
        heap.insert(Waiter(dueMs: dueMs, arrival: arrivals, continuation: continuation))
    }

    /// The waiter due first; nil when none waits.
    mutating func removeFirst() -> CheckedContinuation<Void, Never>? {
        heap.popMin()?.continuation
    }
}
