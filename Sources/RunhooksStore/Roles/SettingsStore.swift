import Foundation

/// Values every node of a store shares, and the store's own health.
public protocol SettingsStore: Sendable {
    /// The shard count recorded when the store was created; records `proposed` the first time.
    func shardCount(proposing proposed: Int) async throws -> Int
    /// A value every node of the store shares (say, the token signing secret): the stored one,
    /// or `proposed` when there is none yet. Two nodes proposing at once agree on one value.
    func sharedSetting(_ key: String, proposing proposed: String) async throws -> String
    /// Round-trips to the database and returns the latency in milliseconds.
    func ping() async throws -> Double
}

extension SettingsStore {
    public func shardCount(proposing proposed: Int) async throws -> Int {
        let stored = try await sharedSetting("shard_count", proposing: String(proposed))
        guard let count = Int(stored) else { throw StoreError.unavailable("meta.shard_count is not a number: '\(stored)'") }
        return count
    }
}
