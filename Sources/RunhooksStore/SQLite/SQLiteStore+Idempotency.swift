import Foundation
import GRDB

extension SQLiteStore {
    public func reserveIdempotencyKey(
        _ key: IdempotencyKey, fingerprint: String, at date: Date, window: TimeInterval, abandonAfter: TimeInterval
    ) async throws -> IdempotencyReservation {
        let now = SQLiteRows.ms(date)
        let expired = SQLiteRows.ms(date - window)
        let abandoned = SQLiteRows.ms(date - abandonAfter)
        return try await pool.write { db in
            try db.execute(
                sql: """
                    DELETE FROM idempotency_keys WHERE user_id = ? AND key = ?
                        AND (created_at <= ? OR (status IS NULL AND created_at <= ?))
                    """,
                arguments: [key.userId, key.key, expired, abandoned])
            try db.execute(
                sql: """
                    INSERT INTO idempotency_keys (user_id, key, fingerprint, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (user_id, key) DO NOTHING
                    """,
                arguments: [key.userId, key.key, fingerprint, now])
            if db.changesCount > 0 { return .reserved }
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM idempotency_keys WHERE user_id = ? AND key = ?", arguments: [key.userId, key.key])
            else { return .reserved }
            guard (row["fingerprint"] as String) == fingerprint else { return .mismatch }
            guard let status = row["status"] as Int? else { return .inProgress }
            return .replay(
                StoredResponse(status: status, contentType: row["content_type"], body: row["body"] as Data? ?? Data()))
        }
    }

    public func completeIdempotencyKey(_ key: IdempotencyKey, response: StoredResponse) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE idempotency_keys SET status = ?, content_type = ?, body = ? WHERE user_id = ? AND key = ?",
                arguments: [response.status, response.contentType, response.body, key.userId, key.key])
        }
    }

    public func releaseIdempotencyKey(_ key: IdempotencyKey) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND status IS NULL",
                arguments: [key.userId, key.key])
        }
    }

    public func purgeIdempotencyKeys(createdBefore cutoff: Date, limit: Int) async throws -> Int {
        try await deleteChunk(from: "idempotency_keys", where: "created_at < ?", arguments: [SQLiteRows.ms(cutoff) as Int64], limit: limit)
    }
}
