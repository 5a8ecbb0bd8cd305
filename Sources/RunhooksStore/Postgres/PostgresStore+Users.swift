import Foundation
import PostgresNIO
import RunhooksCore

extension PostgresStore {
    public func insertUser(_ user: User, passwordHash: String?, apiKeyHash: String) async throws {
        do {
            try await query(
                """
                INSERT INTO users (id, email, name, role, plan, is_anonymous, password_hash, api_key_hash, api_key_prefix,
                                   created_at, updated_at)
                VALUES (\(user.id), \(user.email), \(user.name), \(user.role.rawValue), \(user.plan.rawValue),
                        \(user.isAnonymous), \(passwordHash), \(apiKeyHash), \(user.apiKeyPrefix),
                        \(PostgresRows.ms(user.createdAt)), \(PostgresRows.ms(user.updatedAt)))
                """, logger: logger)
        } catch let error as PSQLError where error.sqlState == "23505" {
            if error.serverInfo?[.constraintName] == "users_email_key" { throw StoreError.duplicateEmail }
            throw error
        }
    }

    public func user(id: String) async throws -> User? {
        try await query("SELECT * FROM users WHERE id = \(id)", logger: logger).first(PostgresRows.user)
    }

    public func userWithPassword(email: String) async throws -> (user: User, passwordHash: String?)? {
        try await query("SELECT * FROM users WHERE email = \(email)", logger: logger).first { row in
            (try PostgresRows.user(row), try row.makeRandomAccess()["password_hash"].decode(String?.self))
        }
    }

    public func user(apiKeyHash: String) async throws -> User? {
        try await query("SELECT * FROM users WHERE api_key_hash = \(apiKeyHash)", logger: logger)
            .first(PostgresRows.user)
    }

    public func replaceAPIKey(
        userId: String, replacing currentPrefix: String, hash: String, prefix: String, at date: Date
    ) async throws -> Bool {
        try await query(
            """
            WITH changed AS (
                UPDATE users SET api_key_hash = \(hash), api_key_prefix = \(prefix), updated_at = \(PostgresRows.ms(date))
                WHERE id = \(userId) AND api_key_prefix = \(currentPrefix) RETURNING id
            ), \(unescaped: Self.bumpCredentialsGeneration)
            SELECT id FROM changed
            """, logger: logger
        ).first { _ in true } ?? false
    }

    public func hasAccounts() async throws -> Bool {
        try await query("SELECT EXISTS (SELECT 1 FROM users)", logger: logger).first { try $0.decode(Bool.self) } ?? false
    }

    public func credentialsGeneration() async throws -> Int64 {
        try await query(
            "SELECT value::bigint FROM meta WHERE key = 'credentials_generation'", logger: logger
        ).first { try $0.decode(Int64.self) } ?? 0
    }

    /// A CTE that grows the credentials generation when the statement's `changed` CTE changed a row.
    static let bumpCredentialsGeneration = """
        bumped AS (
            INSERT INTO meta (key, value) SELECT 'credentials_generation', '1' WHERE EXISTS (SELECT 1 FROM changed)
            ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text
        )
        """

    public func setPlan(_ plan: Plan, forUser idOrEmail: String, at date: Date) async throws -> User? {
        try await query(
            """
            WITH changed AS (
                UPDATE users SET plan = \(plan.rawValue), updated_at = \(PostgresRows.ms(date))
                WHERE id = \(idOrEmail) OR email = \(idOrEmail.lowercased()) RETURNING *
            ), \(unescaped: Self.bumpCredentialsGeneration)
            SELECT * FROM changed
            """, logger: logger
        ).first(PostgresRows.user)
    }

    public func setRole(_ role: User.Role, forUser idOrEmail: String, at date: Date) async throws -> User? {
        try await query(
            """
            WITH changed AS (
                UPDATE users SET role = \(role.rawValue), updated_at = \(PostgresRows.ms(date))
                WHERE id = \(idOrEmail) OR email = \(idOrEmail.lowercased()) RETURNING *
            ), \(unescaped: Self.bumpCredentialsGeneration)
            SELECT * FROM changed
            """, logger: logger
        ).first(PostgresRows.user)
    }

    public func insertRefreshToken(_ token: RefreshTokenRecord) async throws {
        try await query(
            """
            INSERT INTO refresh_tokens (id, user_id, family, expires_at, created_at)
            VALUES (\(token.id), \(token.userId), \(token.family), \(PostgresRows.ms(token.expiresAt)),
                    \(PostgresRows.ms(token.createdAt)))
            """, logger: logger)
    }

    public func consumeRefreshToken(id: String, at date: Date) async throws -> RefreshTokenUse {
        let now = PostgresRows.ms(date)
        // One statement marks the token used only if it was unused, unrevoked and unexpired, and
        // reports what it found: two concurrent uses cannot both see it unused.
        let found = try await query(
            """
            WITH token AS (SELECT * FROM refresh_tokens WHERE id = \(id) FOR UPDATE),
            used AS (
                UPDATE refresh_tokens SET used_at = \(now)
                WHERE id = \(id) AND used_at IS NULL AND NOT revoked AND expires_at > \(now) RETURNING id
            )
            SELECT t.user_id, t.family, t.revoked, t.used_at, t.expires_at <= \(now) AS expired,
                   EXISTS (SELECT 1 FROM used) AS consumed
            FROM token t
            """, logger: logger
        ).first { row in try row.decode((String, String, Bool, Int64?, Bool, Bool).self) }
        guard let (userId, family, revoked, usedAt, expired, consumed) = found else { return .unknown }
        if revoked { return .reused(family: family) }
        if let usedAt { return .usedBefore(userId: userId, family: family, usedAt: Date(milliseconds: usedAt)) }
        if expired { return .expired }
        // Not consumed although seen unused: a concurrent use marked it at this moment.
        return consumed ? .valid(userId: userId, family: family) : .usedBefore(userId: userId, family: family, usedAt: date)
    }

    public func revokeRefreshTokenFamily(_ family: String) async throws {
        try await query("UPDATE refresh_tokens SET revoked = true WHERE family = \(family)", logger: logger)
    }

    public func purgeRefreshTokens(expiredBefore cutoff: Date, limit: Int) async throws -> Int {
        var bindings = PostgresBindings()
        bindings.append(PostgresRows.ms(cutoff))
        return try await deleteChunk(from: "refresh_tokens", where: "expires_at < $1", bindings: bindings, limit: limit)
    }
}
