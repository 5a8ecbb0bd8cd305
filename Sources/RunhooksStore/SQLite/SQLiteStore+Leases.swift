import Foundation
import GRDB
import RunhooksCore

extension SQLiteStore {
    public func acquireLeases(shards: [Int], node: String, duration: TimeInterval, at date: Date) async throws
        -> [Int: ShardLease]
    {
        let now = SQLiteRows.ms(date)
        let expiry = SQLiteRows.ms(date + duration)
        return try await pool.write { db in
            var held: [Int: ShardLease] = [:]
            for shard in shards {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO shard_leases (shard, owner, epoch, expires_at) VALUES (?, ?, 1, ?)
                        ON CONFLICT (shard) DO UPDATE SET
                            epoch = CASE WHEN owner = excluded.owner AND expires_at > ? THEN epoch ELSE epoch + 1 END,
                            owner = excluded.owner, expires_at = excluded.expires_at
                        WHERE owner = excluded.owner OR expires_at <= ?
                        """
                ).execute(arguments: [shard, node, expiry, now, now])
                guard
                    let row = try Row.fetchOne(
                        db.cachedStatement(sql: "SELECT * FROM shard_leases WHERE shard = ?"), arguments: [shard]),
                    (row["owner"] as String) == node
                else { continue }
                held[shard] = ShardLease(
                    shard: shard, owner: node, epoch: row["epoch"], expiresAt: SQLiteRows.date(row, "expires_at"))
            }
            return held
        }
    }

    public func releaseLeases(shards: [Int], node: String) async throws {
        guard !shards.isEmpty else { return }
        try await pool.write { db in
            for shard in shards {
                try db.cachedStatement(sql: "UPDATE shard_leases SET expires_at = 0 WHERE shard = ? AND owner = ?")
                    .execute(arguments: [shard, node])
            }
        }
    }

    public func leases(at date: Date) async throws -> [ShardLease] {
        try await pool.read { db in
            try SQLiteRows.all(db.cachedStatement(sql: "SELECT * FROM shard_leases ORDER BY shard")) { row in
                ShardLease(
                    shard: row["shard"], owner: row["owner"], epoch: row["epoch"],
                    expiresAt: SQLiteRows.date(row, "expires_at"))
            }
        }
    }
}
