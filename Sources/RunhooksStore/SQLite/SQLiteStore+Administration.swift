import Foundation
import GRDB
import RunhooksCore

extension SQLiteStore {
    public func listAccounts(page: PageRequest) async throws -> Page<AccountSummary> {
        try await pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM users") ?? 0
            let items = try SQLiteRows.all(
                db,
                sql: """
                    SELECT users.*, (SELECT count(*) FROM jobs WHERE jobs.user_id = users.id) AS job_count FROM users
                    ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?
                    """,
                arguments: [page.limit, page.offset]
            ) { AccountSummary(user: SQLiteRows.user($0), jobs: $0["job_count"]) }
            return Page(items: items, total: total, request: page)
        }
    }

    public func setPasswordHash(_ hash: String, forUser idOrEmail: String, at date: Date) async throws -> User? {
        try await pool.write { db in
            guard let user = try Self.user(db, idOrEmail: idOrEmail) else { return nil }
            guard user.email != nil else { return user }
            try db.execute(
                sql: "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", arguments: [hash, SQLiteRows.ms(date), user.id])
            try db.execute(sql: "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ?", arguments: [user.id])
            try Self.bumpCredentialsGeneration(db)
            return try SQLiteRows.one(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [user.id], SQLiteRows.user)
        }
    }

    public func deleteUser(_ idOrEmail: String, chunk: Int) async throws -> User? {
        guard let user = try await pool.read({ db in try Self.user(db, idOrEmail: idOrEmail) }) else { return nil }
        // The bulky rows first, a chunk per transaction, so the engine's writes never wait long.
        for table in ["executions", "alert_deliveries"] {
            while try await deleteChunk(from: table, where: "user_id = ?", arguments: [user.id], limit: chunk) > 0 {}
        }
        return try await pool.write { db in
            try db.execute(sql: "DELETE FROM idempotency_keys WHERE user_id = ?", arguments: [user.id])
            // Everything else the account owns goes with it (ON DELETE CASCADE).
            try db.execute(sql: "DELETE FROM users WHERE id = ?", arguments: [user.id])
            guard db.changesCount > 0 else { return nil }
            try Self.bumpCredentialsGeneration(db)
            return user
        }
    }
}
