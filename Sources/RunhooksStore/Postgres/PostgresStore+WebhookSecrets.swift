import Foundation
import PostgresNIO
import RunhooksCore

extension PostgresStore {
    public func webhookSecrets(userId: String) async throws -> SealedWebhookSecrets? {
        try await query("\(unescaped: Self.selectSecrets) WHERE s.user_id = \(userId)", logger: logger)
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
        userId: String, sealed: String, at date: Date, previousExpiresAt: Date, olderLimit: Int
    ) async throws -> SealedWebhookSecrets? {
        let now = PostgresRows.ms(date)
        let logger = logger
        return try await transactionWithAnswerDeadline { connection, _ in
            // The row lock makes concurrent rotations of one account take turns.
            let found = try await connection.statement(
                "SELECT 1 FROM webhook_secrets WHERE user_id = \(userId) FOR UPDATE", logger: logger
            ).first { _ in true } ?? false
            guard found else { return nil }
            try await connection.statement(
                """
                INSERT INTO webhook_secrets_older (user_id, secret, expires_at)
                SELECT user_id, previous_secret, previous_expires_at FROM webhook_secrets
                WHERE user_id = \(userId) AND previous_secret IS NOT NULL AND previous_expires_at > \(now)
                """, logger: logger)
            try await connection.statement(
                """
                DELETE FROM webhook_secrets_older WHERE user_id = \(userId) AND (expires_at <= \(now) OR ctid NOT IN (
                    SELECT ctid FROM webhook_secrets_older WHERE user_id = \(userId) ORDER BY expires_at DESC LIMIT \(olderLimit)))
                """, logger: logger)
            try await connection.statement(
                """
                UPDATE webhook_secrets SET previous_secret = secret, previous_expires_at = \(PostgresRows.ms(previousExpiresAt)),
                    secret = \(sealed), created_at = \(now)
                WHERE user_id = \(userId)
                """, logger: logger)
            return try await connection.statement(
                "\(unescaped: Self.selectSecrets) WHERE s.user_id = \(userId)", logger: logger
            ).first(Self.webhookSecrets)
        }
    }

    public func usersWithoutWebhookSecret(limit: Int) async throws -> [String] {
        try await query(
            """
            SELECT id FROM users WHERE NOT EXISTS (SELECT 1 FROM webhook_secrets WHERE user_id = users.id)
            ORDER BY id LIMIT \(limit)
            """, logger: logger
        ).decode(String.self)
    }

    /// An account's secrets with the older ones, newest first, as arrays (one statement, so one
    /// snapshot).
    static let selectSecrets = """
        SELECT s.*,
            coalesce((SELECT array_agg(o.secret ORDER BY o.expires_at DESC) FROM webhook_secrets_older o
                      WHERE o.user_id = s.user_id), '{}') AS older_secrets,
            coalesce((SELECT array_agg(o.expires_at ORDER BY o.expires_at DESC) FROM webhook_secrets_older o
                      WHERE o.user_id = s.user_id), '{}') AS older_expires_at
        FROM webhook_secrets s
        """

    static func webhookSecrets(_ row: PostgresRow) throws -> SealedWebhookSecrets {
        let r = row.makeRandomAccess()
        let olderSecrets = try r["older_secrets"].decode([String].self)
        let olderExpiries = try r["older_expires_at"].decode([Int64].self)
        return SealedWebhookSecrets(
            current: try r["secret"].decode(String.self), createdAt: try PostgresRows.date(r, "created_at"),
            previous: try r["previous_secret"].decode(String?.self),
            previousExpiresAt: try PostgresRows.optionalDate(r, "previous_expires_at"),
            older: zip(olderSecrets, olderExpiries).map { .init(secret: $0, expiresAt: Date(milliseconds: $1)) })
    }
}
