import Foundation
import GRDB
import RunhooksCore

extension SQLiteStore {
    public func activeJobs(shard: Int) async throws -> [ScheduledJob] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM jobs WHERE shard = ? AND status = 'active'", arguments: [shard])
                .map { ScheduledJob(job: SQLiteRows.job($0), lastSlot: SQLiteRows.optionalDate($0, "last_slot_at")) }
        }
    }

    public func unfinishedExecutions(shard: Int) async throws -> [Execution] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.* FROM executions e JOIN jobs j ON j.id = e.job_id
                    WHERE e.status IN ('pending', 'running') AND j.shard = ?
                    ORDER BY e.scheduled_for
                    """,
                arguments: [shard]
            ).map(SQLiteRows.execution)
        }
    }

    public func dueRetries(shard: Int) async throws -> [Execution] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.* FROM executions e JOIN jobs j ON j.id = e.job_id
                    WHERE e.retry_at IS NOT NULL AND j.shard = ?
                      AND NOT EXISTS (SELECT 1 FROM executions n WHERE n.job_id = e.job_id
                                      AND n.scheduled_for = e.scheduled_for AND n.attempt = e.attempt + 1)
                    ORDER BY e.retry_at
                    """,
                arguments: [shard]
            ).map(SQLiteRows.execution)
        }
    }

    public func apply(_ writes: [EngineWrite]) async throws -> [Bool] {
        guard !writes.isEmpty else { return [] }
        return try await pool.write { db in
            try writes.map { write in try Self.apply(write, in: db) }
        }
    }

    private static func apply(_ write: EngineWrite, in db: Database) throws -> Bool {
        switch write {
        case .claim(let execution, let advancesSlot):
            try db.execute(
                sql: """
                    INSERT INTO executions (\(SQLiteRows.executionColumns)) VALUES (\(SQLiteRows.executionPlaceholders))
                    ON CONFLICT (job_id, scheduled_for, attempt) DO NOTHING
                    """,
                arguments: SQLiteRows.executionArguments(execution))
            guard db.changesCount > 0 else { return false }
            if advancesSlot {
                try db.execute(
                    sql: "UPDATE jobs SET last_slot_at = max(coalesce(last_slot_at, 0), ?) WHERE id = ?",
                    arguments: [SQLiteRows.ms(execution.scheduledFor), execution.jobId])
            }
            return true
        case .start(let executionId, let date):
            try db.execute(
                sql: "UPDATE executions SET status = 'running', started_at = ? WHERE id = ? AND status = 'pending'",
                arguments: [SQLiteRows.ms(date), executionId])
            return db.changesCount > 0
        case .finish(let result):
            try db.execute(
                sql: """
                    UPDATE executions SET status = ?, started_at = coalesce(?, started_at), completed_at = ?,
                        duration_ms = ?, http_status_code = ?, response_body = ?, error = ?, retry_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    result.status.rawValue, SQLiteRows.ms(result.startedAt), SQLiteRows.ms(result.completedAt),
                    result.durationMs, result.httpStatusCode, result.responseBody, result.error,
                    SQLiteRows.ms(result.retryAt), result.executionId,
                ])
            return db.changesCount > 0
        case .addRuns(let userId, let count, let date):
            for period in [RunCounts.dayKey(date), RunCounts.monthKey(date)] {
                try db.execute(
                    sql: """
                        INSERT INTO usage_counters (user_id, period, runs) VALUES (?, ?, ?)
                        ON CONFLICT (user_id, period) DO UPDATE SET runs = runs + excluded.runs
                        """,
                    arguments: [userId, period, count])
            }
            return true
        case .requestHandled(let id, let date):
            try db.execute(
                sql: "UPDATE replay_requests SET handled_at = ? WHERE id = ? AND handled_at IS NULL",
                arguments: [SQLiteRows.ms(date), id])
            return db.changesCount > 0
        }
    }

    public func purgeExecutions(plan: Plan, createdBefore cutoff: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    DELETE FROM executions WHERE created_at < ? AND status NOT IN ('pending', 'running')
                      AND user_id IN (SELECT id FROM users WHERE plan = ?)
                    """,
                arguments: [SQLiteRows.ms(cutoff), plan.rawValue])
            return db.changesCount
        }
    }
}
