import PostgresNIO

extension PostgresStore {
    /// Deletes up to `limit` rows of `table` matching `whereClause` (whose parameters are
    /// `bindings`) in one statement; returns how many. Retention deletes in such chunks, so no
    /// statement outlasts the answer limit.
    func deleteChunk(from table: String, where whereClause: String, bindings: PostgresBindings, limit: Int) async throws
        -> Int
    {
        var chunkBindings = bindings
        chunkBindings.append(limit)
        return try await query(
            PostgresQuery(
                unsafeSQL: """
                    WITH deleted AS (
                        DELETE FROM \(table) WHERE ctid = ANY(ARRAY(
                            SELECT ctid FROM \(table) WHERE \(whereClause) LIMIT $\(chunkBindings.count)))
                        RETURNING 1
                    )
                    SELECT count(*) FROM deleted
                    """, binds: chunkBindings), logger: logger
        ).first { try $0.decode(Int.self) } ?? 0
    }

}
