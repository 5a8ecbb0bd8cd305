import Foundation
import GRDB
import RunhooksCore

extension SQLiteStore {
    public func activeJobs(shard: Int) async throws -> [ScheduledJob] {
        try await pool.read { db in
            // A job's latest slot is the later of its mark (written about once a minute, see
            // LatestSlotRecords) and its newest execution (read off the unique index).
            try SQLiteRows.all(
                db.cachedStatement(
                    sql: """
                        SELECT j.*, (SELECT max(e.scheduled_for) FROM executions e WHERE e.job_id = j.id) AS newest_slot
                        FROM jobs j WHERE j.shard = ? AND j.status = 'active'
                        """),
                arguments: [shard]
            ) { row in
                let marks = [SQLiteRows.optionalDate(row, "last_slot_at"), SQLiteRows.optionalDate(row, "newest_slot")]
                return ScheduledJob(job: SQLiteRows.job(row), lastSlot: marks.compactMap { $0 }.max())
            }
        }
    }

    public func unfinishedExecutions(shard: Int) async throws -> [Execution] {
        try await pool.read { db in
            try SQLiteRows.all(
                db,
                sql: """
                    SELECT e.* FROM executions e JOIN jobs j ON j.id = e.job_id
                    WHERE e.status IN ('pending', 'running') AND j.shard = ?
                    ORDER BY e.scheduled_for
                    """,
                arguments: [shard], SQLiteRows.execution)
        }
    }

    public func dueRetries(shard: Int) async throws -> [Execution] {
        try await pool.read { db in
            try SQLiteRows.all(
                db,
                sql: """
                    SELECT e.* FROM executions e JOIN jobs j ON j.id = e.job_id
                    WHERE e.retry_at IS NOT NULL AND j.shard = ?
                      AND NOT EXISTS (SELECT 1 FROM executions n WHERE n.job_id = e.job_id
                                      AND n.scheduled_for = e.scheduled_for AND n.attempt = e.attempt + 1)
                    ORDER BY e.retry_at
                    """,
                arguments: [shard], SQLiteRows.execution)
        }
    }

    public func apply(_ writes: [EngineWrite]) async throws -> [Bool] {
        guard !writes.isEmpty else { return [] }
        return try await pool.write { db in
            var batch = EngineBatch(db: db)
            return try batch.apply(writes)
        }
    }

    public func purgeExecutions(plan: Plan, createdBefore cutoff: Date, limit: Int) async throws -> Int {
        try await deleteChunk(
            from: "executions",
            where: "created_at < ? AND status NOT IN ('pending', 'running') AND user_id IN (SELECT id FROM users WHERE plan = ?)",
            arguments: [SQLiteRows.ms(cutoff) as Int64, plan.rawValue], limit: limit)
    }
}
