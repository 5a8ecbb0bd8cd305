import Foundation

/// Shard leases: which node may run a shard's wheel, fenced by an epoch.
///
/// Expiry is decided by the database's clock where nodes share a database across machines,
/// so nodes whose clocks disagree still never both hold a lease. The `at` a caller passes is
/// its own clock; the expiries returned are in that clock too (the time the caller may rely
/// on the lease until), whatever the database's clock says.
public protocol LeaseStore: Sendable {
    /// Takes or renews a shard's lease for `node` by compare-and-set: granted when the shard has
    /// no lease, its lease has expired, or `node` already holds it. A change of owner bumps the
    /// epoch, and so does taking back an expired (or released) lease: whatever ran under the
    /// old one is fenced out, and the shard starts afresh with a catch-up. Returns the lease
    /// held after the call, or nil when another node holds it.
    func acquireLease(shard: Int, node: String, duration: TimeInterval, at: Date) async throws -> ShardLease?
    /// `acquireLease` for many shards in one transaction; returns the leases `node` holds after it.
    func acquireLeases(shards: [Int], node: String, duration: TimeInterval, at: Date) async throws -> [Int: ShardLease]
    /// Every shard's lease as recorded (for the cluster view), expiries in the caller's clock
    /// as of `at`.
    func leases(at: Date) async throws -> [ShardLease]
    /// Gives leases up at once (graceful hand-over), those that `node` holds, in one transaction.
    func releaseLeases(shards: [Int], node: String) async throws
}

extension LeaseStore {
    public func acquireLease(shard: Int, node: String, duration: TimeInterval, at date: Date) async throws -> ShardLease? {
        try await acquireLeases(shards: [shard], node: node, duration: duration, at: date)[shard]
    }

    public func releaseLease(shard: Int, node: String) async throws {
        try await releaseLeases(shards: [shard], node: node)
    }
}
