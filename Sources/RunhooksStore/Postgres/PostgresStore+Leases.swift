import Foundation
import PostgresNIO

extension PostgresStore {
    /// Expiry is set and checked by the database's clock (`runhooks_now_ms()`), so nodes whose
    /// clocks disagree still agree on who holds a lease. The expiry returned is `at + duration`
    /// in the caller's clock: the request started no later than the database stamped it.
    public func acquireLeases(shards: [Int], node: String, duration: TimeInterval, at date: Date) async throws
        -> [Int: ShardLease]
    {
        guard !shards.isEmpty else { return [:] }
        let durationMs = Int64((duration * 1000).rounded())
        // Sorted, so two nodes taking overlapping sets lock rows in the same order.
        let ordered = shards.sorted()
        let logger = logger
        let rows = try await Self.describingRefusals {
            try await withAnswerDeadline { connection in
                try await connection.statement(
                    """
                    INSERT INTO shard_leases (shard, owner, epoch, expires_at)
                    SELECT s, \(node), 1, runhooks_now_ms() + \(durationMs) FROM unnest(\(ordered)::BIGINT[]) AS s
                    ON CONFLICT (shard) DO UPDATE SET
                        epoch = CASE WHEN shard_leases.owner = excluded.owner AND shard_leases.expires_at > runhooks_now_ms()
                                THEN shard_leases.epoch ELSE shard_leases.epoch + 1 END,
                        owner = excluded.owner, expires_at = excluded.expires_at
                    WHERE shard_leases.owner = excluded.owner OR shard_leases.expires_at <= runhooks_now_ms()
                    RETURNING shard, epoch
                    """, logger: logger
                ).all { try $0.decode((Int, Int64).self) }
            }
        }
        var held: [Int: ShardLease] = [:]
        for (shard, epoch) in rows {
            held[shard] = ShardLease(shard: shard, owner: node, epoch: epoch, expiresAt: date + duration)
        }
        return held
    }

    /// The rows are locked in shard order, as `acquireLeases` and the engine's fence check lock
    /// them: an UPDATE alone locks them in the order it finds them in the table, and a release
    /// and another node's renewal then deadlocked (PostgreSQL failed the release after a second,
    /// and the shards waited for their leases to run out instead).
    public func releaseLeases(shards: [Int], node: String) async throws {
        guard !shards.isEmpty else { return }
        try await Self.describingRefusals {
            try await query(
                """
                UPDATE shard_leases SET expires_at = 0
                WHERE owner = \(node) AND shard IN (
                    SELECT shard FROM shard_leases WHERE shard = ANY(\(shards.sorted())::BIGINT[]) AND owner = \(node)
                    ORDER BY shard FOR UPDATE)
                """, logger: logger)
        }
    }

    public func leases(at date: Date) async throws -> [ShardLease] {
        try await query(
            "SELECT shard, owner, epoch, expires_at - runhooks_now_ms() FROM shard_leases ORDER BY shard", logger: logger
        ).all { row in
            let (shard, owner, epoch, remainingMs) = try row.decode((Int, String, Int64, Int64).self)
            return ShardLease(shard: shard, owner: owner, epoch: epoch, expiresAt: date + Double(remainingMs) / 1000)
        }
    }
}
