import GRDB

extension SQLiteStore {
    /// Deletes up to `limit` rows of `table` matching `whereClause` in one transaction; returns
    /// how many. Retention deletes in such chunks, so the writer is never held for long.
    func deleteChunk(from table: String, where whereClause: String, arguments: StatementArguments, limit: Int) async throws
        -> Int
    {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM \(table) WHERE rowid IN (SELECT rowid FROM \(table) WHERE \(whereClause) LIMIT ?)",
                arguments: arguments + [limit])
            return db.changesCount
        }
    }
}
