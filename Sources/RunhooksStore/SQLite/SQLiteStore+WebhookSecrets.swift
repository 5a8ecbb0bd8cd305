import Foundation
import GRDB
import RunhooksCore

extension SQLiteStore {
    public func webhookSecrets(userId: String) async throws -> SealedWebhookSecrets? {
        try await pool.read { db in try Self.webhookSecrets(db, userId: userId) }
    }

    public func ensureWebhookSecret(userId: String, sealed: String, at date: Date) async throws -> SealedWebhookSecrets? {
        try await pool.write { db in
            guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM users WHERE id = ?"), arguments: [userId]) != nil
            else { return nil }
            try db.execute(
                sql: "INSERT INTO webhook_secrets (user_id, secret, created_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO NOTHING",
                arguments: [userId, sealed, SQLiteRows.ms(date)])
            return try Self.webhookSecrets(db, userId: userId)
        }
    }

    public func rotateWebhookSecret(
        userId: String, sealed: String, at date: Date, previousExpiresAt: Date, olderLimit: Int
    ) async throws -> SealedWebhookSecrets? {
        try await pool.write { db in
            let now = SQLiteRows.ms(date)
            try db.execute(
                sql: """
                    INSERT INTO webhook_secrets_older (user_id, secret, expires_at)
                    SELECT user_id, previous_secret, previous_expires_at FROM webhook_secrets
                    WHERE user_id = ? AND previous_secret IS NOT NULL AND previous_expires_at > ?
                    """,
                arguments: [userId, now])
            try db.execute(
                sql: """
                    DELETE FROM webhook_secrets_older WHERE user_id = ? AND (expires_at <= ? OR rowid NOT IN (
                        SELECT rowid FROM webhook_secrets_older WHERE user_id = ? ORDER BY expires_at DESC, rowid DESC LIMIT ?))
                    """,
                arguments: [userId, now, userId, olderLimit])
            try db.execute(
                sql: """
                    UPDATE webhook_secrets SET previous_secret = secret, previous_expires_at = ?, secret = ?, created_at = ?
                    WHERE user_id = ?
                    """,
                arguments: [SQLiteRows.ms(previousExpiresAt), sealed, now, userId])
            guard db.changesCount > 0 else { return nil }
            return try Self.webhookSecrets(db, userId: userId)
        }
    }

    public func usersWithoutWebhookSecret(limit: Int) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT id FROM users WHERE NOT EXISTS (SELECT 1 FROM webhook_secrets WHERE user_id = users.id)
                    ORDER BY id LIMIT ?
                    """,
                arguments: [limit])
        }
    }

    static func webhookSecrets(_ db: Database, userId: String) throws -> SealedWebhookSecrets? {
        let older = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT secret, expires_at FROM webhook_secrets_older WHERE user_id = ? ORDER BY expires_at DESC, rowid DESC"),
            arguments: [userId]
        ).map { SealedWebhookSecrets.Older(secret: $0["secret"], expiresAt: SQLiteRows.date($0, "expires_at")) }
        return try SQLiteRows.one(db.cachedStatement(sql: "SELECT * FROM webhook_secrets WHERE user_id = ?"), arguments: [userId]) {
            SealedWebhookSecrets(
                current: $0["secret"], createdAt: SQLiteRows.date($0, "created_at"), previous: $0["previous_secret"],
                previousExpiresAt: SQLiteRows.optionalDate($0, "previous_expires_at"), older: older)
        }
    }
}
