import Foundation
import GRDB
import RunhooksCore

extension SQLiteStore {
    public func insertUser(_ user: User, passwordHash: String?, apiKeyHash: String) async throws {
        do {
            try await pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO users (id, email, name, role, plan, is_anonymous, password_hash, api_key_hash,
                                           api_key_prefix, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        user.id, user.email, user.name, user.role.rawValue, user.plan.rawValue, user.isAnonymous,
                        passwordHash, apiKeyHash, user.apiKeyPrefix, SQLiteRows.ms(user.createdAt),
                        SQLiteRows.ms(user.updatedAt),
                    ])
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            if error.message?.contains("users.email") == true { throw StoreError.duplicateEmail }
            throw error
        }
    }

    public func user(id: String) async throws -> User? {
        try await pool.read { db in
            try SQLiteRows.one(db.cachedStatement(sql: "SELECT * FROM users WHERE id = ?"), arguments: [id], SQLiteRows.user)
        }
    }

    public func userWithPassword(email: String) async throws -> (user: User, passwordHash: String?)? {
        try await pool.read { db in
            try SQLiteRows.one(db.cachedStatement(sql: "SELECT * FROM users WHERE email = ?"), arguments: [email]) { row in
                (SQLiteRows.user(row), row["password_hash"] as String?)
            }
        }
    }

    public func user(apiKeyHash: String) async throws -> User? {
        try await pool.read { db in
            try SQLiteRows.one(db.cachedStatement(sql: "SELECT * FROM users WHERE api_key_hash = ?"), arguments: [apiKeyHash], SQLiteRows.user)
        }
    }

    public func replaceAPIKey(
        userId: String, replacing currentPrefix: String, hash: String, prefix: String, at date: Date
    ) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE users SET api_key_hash = ?, api_key_prefix = ?, updated_at = ? WHERE id = ? AND api_key_prefix = ?",
                arguments: [hash, prefix, SQLiteRows.ms(date), userId, currentPrefix])
            let replaced = db.changesCount > 0
            if replaced { try Self.bumpCredentialsGeneration(db) }
            return replaced
        }
    }

    public func hasAccounts() async throws -> Bool {
        try await pool.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM users)") ?? false }
    }

    public func credentialsGeneration() async throws -> Int64 {
        try await pool.read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'credentials_generation'")) ?? 0
        }
    }

    static func bumpCredentialsGeneration(_ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO meta (key, value) VALUES ('credentials_generation', '1')
                ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)
                """)
    }

    public func setPlan(_ plan: Plan, forUser idOrEmail: String, at date: Date) async throws -> User? {
        try await updateUser(idOrEmail, column: "plan", value: plan.rawValue, at: date)
    }

    public func setRole(_ role: User.Role, forUser idOrEmail: String, at date: Date) async throws -> User? {
        try await updateUser(idOrEmail, column: "role", value: role.rawValue, at: date)
    }

    private func updateUser(_ idOrEmail: String, column: String, value: String, at date: Date) async throws -> User? {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE users SET \(column) = ?, updated_at = ? WHERE id = ? OR email = ?",
                arguments: [value, SQLiteRows.ms(date), idOrEmail, idOrEmail.lowercased()])
            if db.changesCount > 0 { try Self.bumpCredentialsGeneration(db) }
            return try Self.user(db, idOrEmail: idOrEmail)
        }
    }

    /// The account whose id or email (any case) is `idOrEmail`, as the admin commands name it.
    static func user(_ db: Database, idOrEmail: String) throws -> User? {
        try SQLiteRows.one(
            db, sql: "SELECT * FROM users WHERE id = ? OR email = ?", arguments: [idOrEmail, idOrEmail.lowercased()], SQLiteRows.user)
    }

    public func insertRefreshToken(_ token: RefreshTokenRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO refresh_tokens (id, user_id, family, expires_at, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    token.id, token.userId, token.family, SQLiteRows.ms(token.expiresAt), SQLiteRows.ms(token.createdAt),
                ])
        }
    }

    /// Marks a refresh token used, exactly once: a later use is reported with the time of the first.
    public func consumeRefreshToken(id: String, at date: Date) async throws -> RefreshTokenUse {
        try await pool.write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM refresh_tokens WHERE id = ?"), arguments: [id]) else {
                return .unknown
            }
            let family: String = row["family"]
            if row["revoked"] as Bool { return .reused(family: family) }
            if let usedAt = row["used_at"] as Int64? {
                return .usedBefore(userId: row["user_id"], family: family, usedAt: Date(milliseconds: usedAt))
            }
            if (row["expires_at"] as Int64) <= SQLiteRows.ms(date) { return .expired }
            try db.execute(sql: "UPDATE refresh_tokens SET used_at = ? WHERE id = ?", arguments: [SQLiteRows.ms(date), id])
            return .valid(userId: row["user_id"], family: family)
        }
    }

    public func revokeRefreshTokenFamily(_ family: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE refresh_tokens SET revoked = 1 WHERE family = ?", arguments: [family])
        }
    }

    public func purgeRefreshTokens(expiredBefore cutoff: Date, limit: Int) async throws -> Int {
        try await deleteChunk(from: "refresh_tokens", where: "expires_at < ?", arguments: [SQLiteRows.ms(cutoff) as Int64], limit: limit)
    }
}
