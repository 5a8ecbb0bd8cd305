import Foundation
import RunhooksCore
import Synchronization

/// Accounts found by credential, kept for a few seconds so that an authenticated request need
/// not read the store. Every change to an account's key, plan or role grows the store's
/// credentials generation: the node that made the change forgets everything at once, and every
/// node polls the generation (`AccountCacheRefresh`) and forgets everything when it moves. The
/// time to live bounds how stale an entry can be even if that poll fails.
public final class AccountCache: Sendable {
    public static let defaultTimeToLive: Duration = .seconds(5)
    public static let defaultCapacity = 10_000

    private struct Entry {
        var user: User
        var expiresAtMs: Int64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var generation: Int64?
        /// Grows with every invalidation: a lookup that began before one does not store its answer.
        var epoch = 0
    }

    private let clock: any WallClock
    private let timeToLiveMs: Int64
    private let capacity: Int
    private let state = Mutex(State())

    public init(clock: any WallClock, timeToLive: Duration = defaultTimeToLive, capacity: Int = defaultCapacity) {
        self.clock = clock
        self.timeToLiveMs = timeToLive.components.seconds * 1000 + timeToLive.components.attoseconds / 1_000_000_000_000_000
        self.capacity = capacity
    }

    /// What to pass to `store` with the answer of a store lookup that starts now.
    public func beginLookup() -> Int {
        state.withLock { $0.epoch }
    }

    public func user(forKey key: String) -> User? {
        let now = clock.now().millisecondsSince1970
        return state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            guard entry.expiresAtMs > now else {
                state.entries.removeValue(forKey: key)
                return nil
            }
            return entry.user
        }
    }

    /// Keeps `user` under `key`, unless the cache was invalidated since `lookup` began.
    public func store(_ user: User, forKey key: String, lookup: Int) {
        let now = clock.now().millisecondsSince1970
        state.withLock { state in
            guard state.epoch == lookup else { return }
            if state.entries.count >= capacity {
                state.entries = state.entries.filter { $0.value.expiresAtMs > now }
                if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            }
            state.entries[key] = Entry(user: user, expiresAtMs: now + timeToLiveMs)
        }
    }

    /// Forgets every account (this node changed one).
    public func removeAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.epoch += 1
        }
    }

    /// Forgets every account when the store's credentials generation has moved since last seen.
    public func observe(generation: Int64) {
        state.withLock { state in
            // The first reading clears too: entries made before it are of unknown age.
            guard state.generation != generation else { return }
            state.generation = generation
            state.entries.removeAll()
            state.epoch += 1
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
