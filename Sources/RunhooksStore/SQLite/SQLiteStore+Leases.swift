import Foundation
import GRDB
import RunhooksCore

extension SQLiteStore {
    public func acquireLease(shard: Int, node: String, duration: TimeInterval, at date: Date) async throws -> ShardLease? {
        let now = SQLiteRows.ms(date)
        let expiry = SQLiteRows.ms(date + duration)
        return try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO shard_leases (shard, owner, epoch, expires_at) VALUES (?, ?, 1, ?)
                    ON CONFLICT (shard) DO UPDATE SET
                        epoch = CASE WHEN owner = excluded.owner THEN epoch ELSE epoch + 1 END,
                        owner = excluded.owner, expires_at = excluded.expires_at
                    WHERE owner = excluded.owner OR expires_at <= ?
                    """,
                arguments: [shard, node, expiry, now])
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM shard_leases WHERE shard = ?", arguments: [shard]),
                (row["owner"] as String) == node
            else { return nil }
            return ShardLease(shard: shard, owner: node, epoch: row["epoch"], expiresAt: SQLiteRows.date(row, "expires_at"))
        }
    }

    public func releaseLease(shard: Int, node: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE shard_leases SET expires_at = 0 WHERE shard = ? AND owner = ?", arguments: [shard, node])
        }
    }
}
