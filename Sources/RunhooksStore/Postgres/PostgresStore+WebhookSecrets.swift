import Foundation
import PostgresNIO
import RunhooksCore

extension PostgresStore {
    public func webhookSecrets(userId: String) async throws -> SealedWebhookSecrets? {
        try await query("SELECT * FROM webhook_secrets WHERE user_id = \(userId)", logger: logger)
            .first(Self.webhookSecrets)
    }

    public func ensureWebhookSecret(userId: String, sealed: String, at date: Date) async throws -> SealedWebhookSecrets? {
        try await query(
            """
            INSERT INTO webhook_secrets (user_id, secret, created_at)
            SELECT id, \(sealed), \(PostgresRows.ms(date)) FROM users WHERE id = \(userId)
            ON CONFLICT (user_id) DO NOTHING
            """, logger: logger)
        return try await webhookSecrets(userId: userId)
    }

    public func rotateWebhookSecret(
        userId: String, sealed: String, at date: Date, previousExpiresAt: Date
    ) async throws -> SealedWebhookSecrets? {
        try await query(
            """
            UPDATE webhook_secrets SET previous_secret = secret, previous_expires_at = \(PostgresRows.ms(previousExpiresAt)),
                secret = \(sealed), created_at = \(PostgresRows.ms(date))
            WHERE user_id = \(userId)
            RETURNING *
            """, logger: logger
        ).first(Self.webhookSecrets)
    }

    public func usersWithoutWebhookSecret(limit: Int) async throws -> [String] {
        try await query(
            """
            SELECT id FROM users WHERE NOT EXISTS (SELECT 1 FROM webhook_secrets WHERE user_id = users.id)
            ORDER BY id LIMIT \(limit)
            """, logger: logger
        ).decode(String.self)
    }

    static func webhookSecrets(_ row: PostgresRow) throws -> SealedWebhookSecrets {
        let r = row.makeRandomAccess()
        return SealedWebhookSecrets(
            current: try r["secret"].decode(String.self), createdAt: try PostgresRows.date(r, "created_at"),
            previous: try r["previous_secret"].decode(String?.self),
            previousExpiresAt: try PostgresRows.optionalDate(r, "previous_expires_at"))
    }
}
