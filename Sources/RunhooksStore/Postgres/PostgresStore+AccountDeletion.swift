import Foundation
import PostgresNIO
import RunhooksCore

extension PostgresStore {
    public func deleteUser(_ idOrEmail: String, chunk: Int) async throws -> User? {
        guard
            let user = try await query(
                "SELECT * FROM users WHERE id = \(idOrEmail) OR email = \(idOrEmail.lowercased())", logger: logger
            ).first(PostgresRows.user)
        else { return nil }
        // The bulky rows first, a chunk per transaction, so the engine's writes never wait long.
        for table in ["executions", "alert_deliveries"] {
            var bindings = PostgresBindings()
            bindings.append(user.id)
            while try await deleteChunk(from: table, where: "user_id = $1", bindings: bindings, limit: chunk) > 0 {}
        }
        // Everything else the account owns goes with it (ON DELETE CASCADE).
        let deleted = try await query(
            """
            WITH keys AS (DELETE FROM idempotency_keys WHERE user_id = \(user.id)),
            changed AS (DELETE FROM users WHERE id = \(user.id) RETURNING id), \(unescaped: Self.bumpCredentialsGeneration)
            SELECT id FROM changed
            """, logger: logger
        ).first { _ in true } ?? false
        return deleted ? user : nil
    }
}
