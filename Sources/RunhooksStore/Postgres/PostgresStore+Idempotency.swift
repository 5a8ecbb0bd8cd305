import Foundation
import PostgresNIO

extension PostgresStore {
    public func reserveIdempotencyKey(
        _ key: IdempotencyKey, fingerprint: String, at date: Date, window: TimeInterval, abandonAfter: TimeInterval
    ) async throws -> IdempotencyReservation {
        let now = PostgresRows.ms(date)
        let expired = PostgresRows.ms(date - window)
        let abandoned = PostgresRows.ms(date - abandonAfter)
        let logger = logger
        return try await transactionWithAnswerDeadline { connection, _ in
            try await connection.statement(
                """
                DELETE FROM idempotency_keys WHERE user_id = \(key.userId) AND key = \(key.key)
                    AND (created_at <= \(expired) OR (status IS NULL AND created_at <= \(abandoned)))
                """, logger: logger)
            let inserted = try await connection.statement(
                """
                INSERT INTO idempotency_keys (user_id, key, fingerprint, created_at)
                VALUES (\(key.userId), \(key.key), \(fingerprint), \(now))
                ON CONFLICT (user_id, key) DO NOTHING RETURNING 1
                """, logger: logger
            ).first { _ in true } ?? false
            if inserted { return IdempotencyReservation.reserved }
            let existing = try await connection.statement(
                """
                SELECT fingerprint, status, content_type, body FROM idempotency_keys
                WHERE user_id = \(key.userId) AND key = \(key.key)
                """, logger: logger
            ).first { try $0.decode((String, Int?, String?, Data?).self) }
            guard let (storedFingerprint, status, contentType, body) = existing else { return .reserved }
            guard storedFingerprint == fingerprint else { return .mismatch }
            guard let status else { return .inProgress }
            return .replay(StoredResponse(status: status, contentType: contentType, body: body ?? Data()))
        }
    }

    public func completeIdempotencyKey(_ key: IdempotencyKey, response: StoredResponse) async throws {
        try await query(
            """
            UPDATE idempotency_keys SET status = \(response.status), content_type = \(response.contentType),
                body = \(response.body)
            WHERE user_id = \(key.userId) AND key = \(key.key)
            """, logger: logger)
    }

    public func releaseIdempotencyKey(_ key: IdempotencyKey) async throws {
        try await query(
            "DELETE FROM idempotency_keys WHERE user_id = \(key.userId) AND key = \(key.key) AND status IS NULL",
            logger: logger)
    }

    public func purgeIdempotencyKeys(createdBefore cutoff: Date, limit: Int) async throws -> Int {
        var bindings = PostgresBindings()
        bindings.append(PostgresRows.ms(cutoff))
        return try await deleteChunk(from: "idempotency_keys", where: "created_at < $1", bindings: bindings, limit: limit)
    }
}
