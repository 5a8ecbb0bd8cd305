import Foundation
import PostgresNIO
import RunhooksCore

extension PostgresStore {
    public func listAccounts(page: PageRequest) async throws -> Page<AccountSummary> {
        let total = try await query("SELECT count(*) FROM users", logger: logger).first { try $0.decode(Int.self) } ?? 0
        let items = try await query(
            """
            SELECT users.*, (SELECT count(*) FROM jobs WHERE jobs.user_id = users.id) AS job_count FROM users
            ORDER BY created_at DESC, id DESC LIMIT \(page.limit) OFFSET \(page.offset)
            """, logger: logger
        ).all { row in
            AccountSummary(user: try PostgresRows.user(row), jobs: try row.makeRandomAccess()["job_count"].decode(Int.self))
        }
        return Page(items: items, total: total, request: page)
    }

    public func setPasswordHash(_ hash: String, forUser idOrEmail: String, at date: Date) async throws -> User? {
        guard let user = try await user(idOrEmail: idOrEmail) else { return nil }
        guard user.email != nil else { return user }
        return try await query(
            """
            WITH changed AS (
                UPDATE users SET password_hash = \(hash), updated_at = \(PostgresRows.ms(date)) WHERE id = \(user.id) RETURNING *
            ), revoked AS (UPDATE refresh_tokens SET revoked = true WHERE user_id = \(user.id)),
            \(unescaped: Self.bumpCredentialsGeneration)
            SELECT * FROM changed
            """, logger: logger
        ).first(PostgresRows.user)
    }

    public func deleteUser(_ idOrEmail: String, chunk: Int) async throws -> User? {
        guard let user = try await user(idOrEmail: idOrEmail) else { return nil }
        // The bulky rows first, a chunk per transaction, so the engine's writes never wait long.
        for table in ["executions", "alert_deliveries"] {
            var bindings = PostgresBindings()
            bindings.append(user.id)
            while try await deleteChunk(from: table, where: "user_id = $1", bindings: bindings, limit: chunk) > 0 {}
        }
        // Everything else the account owns goes with it (ON DELETE CASCADE). An engine batch
        // claiming one of its slots meanwhile holds locks on its rows, and PostgreSQL may break
        // the wait by failing this statement as a deadlock: it is tried again, up to five times.
        for _ in 1..<5 {
            do {
                return try await deleteAccountRow(of: user)
            } catch let error as PSQLError where error.sqlState == "40P01" {
                logger.debug("deleting account \(user.id): \(error.serverSummary); trying again")
            }
        }
        return try await deleteAccountRow(of: user)
    }

    private func deleteAccountRow(of user: User) async throws -> User? {
        let deleted = try await query(
            """
            WITH keys AS (DELETE FROM idempotency_keys WHERE user_id = \(user.id)),
            changed AS (DELETE FROM users WHERE id = \(user.id) RETURNING id), \(unescaped: Self.bumpCredentialsGeneration)
            SELECT id FROM changed
            """, logger: logger
        ).first { _ in true } ?? false
        return deleted ? user : nil
    }

    /// The account whose id or email (any case) is `idOrEmail`, as the admin commands name it.
    private func user(idOrEmail: String) async throws -> User? {
        try await query(
            "SELECT * FROM users WHERE id = \(idOrEmail) OR email = \(idOrEmail.lowercased())", logger: logger
        ).first(PostgresRows.user)
    }
}
