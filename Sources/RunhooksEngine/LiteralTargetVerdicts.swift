import Synchronization

/// `TargetGuard.pin`'s answers for URLs whose host is a literal address, kept so that a job
/// firing every second does not parse its URL every second. Bounded: when full it starts over.
final class LiteralTargetVerdicts: Sendable {
    static let capacity = 10_000
    private let verdicts = Mutex<[String: Result<PinnedTarget, TargetRefusal>]>([:])

    subscript(url: String) -> Result<PinnedTarget, TargetRefusal>? {
        get { verdicts.withLock { $0[url] } }
        set {
            verdicts.withLock { verdicts in
                if verdicts.count >= Self.capacity { verdicts.removeAll(keepingCapacity: true) }
                verdicts[url] = newValue
            }
        }
    }
}
