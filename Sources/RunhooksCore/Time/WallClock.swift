import Foundation

/// Where the current time comes from, so tests can move time instead of sleeping.
public protocol WallClock: Sendable {
    func now() -> Date
    /// Suspends until `deadline` (or returns at once if it has passed). Throws on cancellation.
    func sleep(until deadline: Date) async throws
    /// Whether this clock is the system's: then a timer of any kind (an event loop's, say) can
    /// stand in for `sleep(until:)`. A manual clock answers false, so its sleepers stay its own.
    var isSystemTime: Bool { get }
}

extension WallClock {
    public var isSystemTime: Bool { false }
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
    public var isSystemTime: Bool { true }

    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        if interval > 0 { try await Task.sleep(for: .seconds(interval)) } else { try Task.checkCancellation() }
    }
}

/// A clock that only moves when told to; sleepers wake when it passes their deadline.
public final class ManualWallClock: WallClock, @unchecked Sendable {
    private struct Sleeper {
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private let lock = NSLock()
    private var current: Date
    private var sleepers: [UUID: Sleeper] = [:]

    public init(_ start: Date = Date(timeIntervalSince1970: 1_736_942_400)) {
        current = start
    }

    public func now() -> Date { lock.withLock { current } }

    public func advance(by seconds: TimeInterval) {
        set(now() + seconds)
    }

    public func set(_ date: Date) {
        let due = lock.withLock { () -> [Sleeper] in
            current = date
            let due = sleepers.filter { $0.value.deadline <= date }
            for id in due.keys { sleepers.removeValue(forKey: id) }
            return Array(due.values)
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// How many tasks are sleeping on this clock (lets a test wait until the code under test
    /// has gone to sleep before it moves time).
    public var sleeperCount: Int { lock.withLock { sleepers.count } }

    public func sleep(until deadline: Date) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = lock.withLock { () -> Bool in
                    if deadline <= current || Task.isCancelled { return true }
                    sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = lock.withLock { sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }
}
