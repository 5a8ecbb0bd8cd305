import Foundation
import GRDB
import RunhooksCore

/// Applies a batch of engine writes inside one transaction with prepared (cached) statements.
/// Writes that only accumulate — run counters, a job's latest slot — are summed over the batch
/// and written once per user or job at the end.
struct EngineBatch {
    let db: Database
    private struct RunKey: Hashable {
        var userId: String
        var day: String
        var month: String
    }
    private var runs: [RunKey: Int] = [:]
    private var latestSlots: [String: Int64] = [:]  // job → latest claimed slot
    /// Each fence's lease expiry as read in this batch (nil inside: the lease is not held).
    private var leaseExpiries: [LeaseFence: Int64?] = [:]

    init(db: Database) {
        self.db = db
    }

    mutating func apply(_ writes: [EngineWrite]) throws -> [Bool] {
        var results: [Bool] = []
        results.reserveCapacity(writes.count)
        for write in writes {
            do {
                results.append(try apply(write))
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                // Only this statement is rolled back (say, a claim for a job deleted meanwhile);
                // the rest of the batch stands.
                results.append(false)
            }
        }
        try flushAggregates()
        return results
    }

    private mutating func apply(_ write: EngineWrite) throws -> Bool {
        switch write {
        case .claim(let execution, let advancesSlot, let fence, let countsRun):
            if let fence, try !holds(fence, at: execution.createdAt) { return false }
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO executions (\(SQLiteRows.executionColumns)) VALUES (\(SQLiteRows.executionPlaceholders))
                    ON CONFLICT DO NOTHING
                    """)
            try statement.execute(arguments: SQLiteRows.executionArguments(execution))
            guard db.changesCount > 0 else {
                // This very claim, committed before by a batch whose answer was lost and sent
                // again, stands (its run and slot were counted then); another claimant's loses,
                // and so does a claim of another slot under an id already taken (a requested
                // run, whose execution id is its request's, launched twice).
                return try Bool.fetchOne(
                    db.cachedStatement(
                        sql: "SELECT 1 FROM executions WHERE id = ? AND job_id = ? AND scheduled_for = ? AND attempt = ?"),
                    arguments: [
                        execution.id, execution.jobId, SQLiteRows.ms(execution.scheduledFor), execution.attempt,
                    ]) ?? false
            }
            if advancesSlot {
                let slot = execution.scheduledFor.millisecondsSince1970
                latestSlots[execution.jobId] = max(latestSlots[execution.jobId] ?? 0, slot)
            }
            if countsRun { addRuns(userId: execution.userId, count: 1, at: execution.createdAt) }
            return true
        case .start(let executionId, let date):
            try db.cachedStatement(sql: "UPDATE executions SET status = 'running', started_at = ? WHERE id = ? AND status = 'pending'")
                .execute(arguments: [SQLiteRows.ms(date), executionId])
            return db.changesCount > 0
        case .finish(let result, let fence):
            if let fence, try !holds(fence, at: nil) { return false }
            try db.cachedStatement(
                sql: """
                    UPDATE executions SET status = ?, started_at = coalesce(?, started_at), completed_at = ?,
                        duration_ms = ?, http_status_code = ?, response_body = ?, error = ?, retry_at = ?,
                        dns_us = ?, connect_us = ?, tls_us = ?, first_byte_us = ?, total_us = ?, late_us = ?
                    WHERE id = ?
                    """
            ).execute(arguments: [
                result.status.rawValue, SQLiteRows.ms(result.startedAt), SQLiteRows.ms(result.completedAt),
                result.durationMs, result.httpStatusCode, result.responseBody, result.error,
                SQLiteRows.ms(result.retryAt), TimingColumns.us(result.timing?.dnsMs), TimingColumns.us(result.timing?.connectMs),
                TimingColumns.us(result.timing?.tlsMs), TimingColumns.us(result.timing?.firstByteMs),
                TimingColumns.us(result.timing?.totalMs), TimingColumns.us(result.lateMs), result.executionId,
            ])
            return db.changesCount > 0
        case .addRuns(let userId, let count, let date):
            addRuns(userId: userId, count: count, at: date)
            return true
        case .requestHandled(let id, let date):
            try db.cachedStatement(sql: "UPDATE replay_requests SET handled_at = ? WHERE id = ? AND handled_at IS NULL")
                .execute(arguments: [SQLiteRows.ms(date), id])
            return db.changesCount > 0
        }
    }

    private mutating func addRuns(userId: String, count: Int, at date: Date) {
        runs[RunKey(userId: userId, day: UsagePeriod.day(of: date).key, month: UsagePeriod.month(of: date).key), default: 0] += count
    }

    /// Whether `fence` is still the shard's lease; `date`: also unexpired at that time. A
    /// finish needs no expiry check: a lease that lapsed and was taken again has a new epoch.
    /// The lease is read once per fence per batch (a batch carries many fires of few shards).
    private mutating func holds(_ fence: LeaseFence, at date: Date?) throws -> Bool {
        let expiry: Int64?
        if let known = leaseExpiries[fence] {
            expiry = known
        } else {
            expiry = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT expires_at FROM shard_leases WHERE shard = ? AND owner = ? AND epoch = ?"),
                arguments: [fence.shard, fence.owner, fence.epoch])
            leaseExpiries[fence] = .some(expiry)
        }
        guard let expiry else { return false }
        return date.map { expiry > SQLiteRows.ms($0) } ?? true
    }

    private func flushAggregates() throws {
        if !latestSlots.isEmpty {
            let statement = try db.cachedStatement(
                sql: "UPDATE jobs SET last_slot_at = max(coalesce(last_slot_at, 0), ?) WHERE id = ?")
            for (jobId, slot) in latestSlots { try statement.execute(arguments: [slot, jobId]) }
        }
        if !runs.isEmpty {
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO usage_counters (user_id, period, runs) VALUES (?, ?, ?)
                    ON CONFLICT (user_id, period) DO UPDATE SET runs = runs + excluded.runs
                    """)
            for (key, count) in runs {
                try statement.execute(arguments: [key.userId, key.day, count])
                try statement.execute(arguments: [key.userId, key.month, count])
            }
        }
    }
}
