import Foundation
import Logging
import PostgresNIO
import RunhooksCore

/// Applies a batch of engine writes in one transaction and a handful of round trips, whatever
/// the batch's size: one statement per kind of write, its rows passed as one array or JSON
/// parameter. A claim that loses its race (`ON CONFLICT DO NOTHING`) or whose job was deleted
/// meanwhile does not abort the transaction, unlike an error would under PostgreSQL's rules.
struct PostgresEngineBatch {
    let connection: PostgresConnection
    let logger: Logger

    private struct ClaimRow: Encodable {
        var id, user_id, job_id, status: String
        var scheduled_for, attempt: Int64
        var started_at, completed_at, duration_ms, http_status_code: Int64?
        var response_body, error, replay_of: String?
        var retry_at: Int64?
        var missed_slots, created_at: Int64
    }

    private struct FinishRow: Encodable {
        var id, status: String
        var started_at: Int64?
        var completed_at: Int64
        var duration_ms, http_status_code: Int64?
        var response_body, error: String?
        var retry_at: Int64?
    }

    private struct RunKey: Hashable {
        var userId: String
        var period: String
    }

    func apply(_ writes: [EngineWrite]) async throws -> [Bool] {
        var results = [Bool](repeating: false, count: writes.count)
        let fences = try await leaseStates(of: writes)
        var claims: [(index: Int, execution: Execution, advancesSlot: Bool, countsRun: Bool)] = []
        var starts: [(index: Int, id: String, at: Int64)] = []
        var finishes: [(index: Int, result: ExecutionResult)] = []
        var handled: [(index: Int, id: String, at: Int64)] = []
        var runs: [RunKey: Int64] = [:]
        for (index, write) in writes.enumerated() {
            switch write {
            case .claim(let execution, let advancesSlot, let fence, let countsRun):
                if let fence, fences[fence]?.live != true { continue }
                claims.append((index, execution, advancesSlot, countsRun))
            case .start(let executionId, let date):
                starts.append((index, executionId, PostgresRows.ms(date)))
            case .finish(let result, let fence):
                if let fence, fences[fence]?.held != true { continue }
                finishes.append((index, result))
            case .addRuns(let userId, let count, let date):
                add(&runs, userId: userId, count: count, at: date)
                results[index] = true
            case .requestHandled(let id, let date):
                handled.append((index, id, PostgresRows.ms(date)))
            }
        }

        var latestSlots: [String: Int64] = [:]
        let won = try await insertClaims(claims.map(\.execution))
        for claim in claims where won.contains(claim.execution.id) {
            results[claim.index] = true
            if claim.advancesSlot {
                let slot = PostgresRows.ms(claim.execution.scheduledFor)
                latestSlots[claim.execution.jobId] = max(latestSlots[claim.execution.jobId] ?? 0, slot)
            }
            if claim.countsRun { add(&runs, userId: claim.execution.userId, count: 1, at: claim.execution.createdAt) }
        }
        // A start and its finish in one batch (a fast target) are one write: each UPDATE of an
        // indexed column writes a new row version into every index, so one is cheaper than two.
        let finishing = Set(finishes.map(\.result.executionId))
        var startedAt: [String: Int64] = [:]
        var coalesced: [(index: Int, id: String)] = []
        starts.removeAll { start in
            guard finishing.contains(start.id) else { return false }
            startedAt[start.id] = start.at
            coalesced.append((start.index, start.id))
            return true
        }
        if !starts.isEmpty {
            let started = try await ids(
                """
                UPDATE executions e SET status = 'running', started_at = u.at
                FROM unnest(\(starts.map(\.id))::TEXT[], \(starts.map(\.at))::BIGINT[]) AS u(id, at)
                WHERE e.id = u.id AND e.status = 'pending' RETURNING e.id
                """)
            for start in starts { results[start.index] = started.contains(start.id) }
        }
        if !finishes.isEmpty {
            let finished = try await finish(finishes.map(\.result), startedAt: startedAt)
            for finish in finishes { results[finish.index] = finished.contains(finish.result.executionId) }
            for start in coalesced { results[start.index] = finished.contains(start.id) }
        }
        if !handled.isEmpty {
            let marked = try await ids(
                """
                UPDATE replay_requests r SET handled_at = u.at
                FROM unnest(\(handled.map(\.id))::TEXT[], \(handled.map(\.at))::BIGINT[]) AS u(id, at)
                WHERE r.id = u.id AND r.handled_at IS NULL RETURNING r.id
                """)
            for request in handled { results[request.index] = marked.contains(request.id) }
        }
        if !latestSlots.isEmpty {
            let jobs = latestSlots.keys.sorted()
            try await connection.query(
                """
                UPDATE jobs j SET last_slot_at = GREATEST(coalesce(j.last_slot_at, 0), u.slot)
                FROM unnest(\(jobs)::TEXT[], \(jobs.map { latestSlots[$0] ?? 0 })::BIGINT[]) AS u(id, slot)
                WHERE j.id = u.id
                """, logger: logger)
        }
        if !runs.isEmpty {
            let keys = runs.keys.sorted { ($0.userId, $0.period) < ($1.userId, $1.period) }
            try await connection.query(
                """
                INSERT INTO usage_counters (user_id, period, runs)
                SELECT * FROM unnest(\(keys.map(\.userId))::TEXT[], \(keys.map(\.period))::TEXT[],
                                     \(keys.map { runs[$0] ?? 0 })::BIGINT[])
                ON CONFLICT (user_id, period) DO UPDATE SET runs = usage_counters.runs + excluded.runs
                """, logger: logger)
        }
        return results
    }

    private func add(_ runs: inout [RunKey: Int64], userId: String, count: Int, at date: Date) {
        runs[RunKey(userId: userId, period: UsagePeriod.day(of: date).key), default: 0] += Int64(count)
        runs[RunKey(userId: userId, period: UsagePeriod.month(of: date).key), default: 0] += Int64(count)
    }

    /// Each fence's lease as the database has it now: `held` (same owner and epoch) and `live`
    /// (also unexpired by the database's clock). The rows stay share-locked until the batch
    /// commits, so no other node can take these leases in between.
    private func leaseStates(of writes: [EngineWrite]) async throws -> [LeaseFence: (held: Bool, live: Bool)] {
        var fences = Set<LeaseFence>()
        for write in writes {
            switch write {
            case .claim(_, _, let fence?, _), .finish(_, let fence?): fences.insert(fence)
            default: break
            }
        }
        guard !fences.isEmpty else { return [:] }
        let shards = Set(fences.map(\.shard)).sorted()
        let rows = try await connection.query(
            """
            SELECT shard, owner, epoch, expires_at > runhooks_now_ms() FROM shard_leases
            WHERE shard = ANY(\(shards)::BIGINT[]) ORDER BY shard FOR SHARE
            """, logger: logger
        ).all { try $0.decode((Int, String, Int64, Bool).self) }
        var states: [LeaseFence: (held: Bool, live: Bool)] = [:]
        for (shard, owner, epoch, unexpired) in rows {
            let fence = LeaseFence(shard: shard, owner: owner, epoch: epoch)
            if fences.contains(fence) { states[fence] = (true, unexpired) }
        }
        return states
    }

    /// Inserts the claims that win their (job, slot, attempt); returns their execution ids.
    private func insertClaims(_ executions: [Execution]) async throws -> Set<String> {
        guard !executions.isEmpty else { return [] }
        try await connection.query("SAVEPOINT claims", logger: logger)
        do {
            let won = try await insertClaimRows(executions)
            try await connection.query("RELEASE SAVEPOINT claims", logger: logger)
            return won
        } catch let error as PSQLError where error.sqlState == "23503" {
            // A job was deleted between the existence check and the insert: redo the claims one
            // by one, each under its own savepoint, so only the orphans are refused.
            try await connection.query("ROLLBACK TO SAVEPOINT claims", logger: logger)
            var won = Set<String>()
            for execution in executions {
                try await connection.query("SAVEPOINT claim", logger: logger)
                do {
                    won.formUnion(try await insertClaimRows([execution]))
                    try await connection.query("RELEASE SAVEPOINT claim", logger: logger)
                } catch let error as PSQLError where error.sqlState == "23503" {
                    try await connection.query("ROLLBACK TO SAVEPOINT claim", logger: logger)
                }
            }
            return won
        }
    }

    private func insertClaimRows(_ executions: [Execution]) async throws -> Set<String> {
        let rows = executions.map { execution in
            ClaimRow(
                id: execution.id, user_id: execution.userId, job_id: execution.jobId, status: execution.status.rawValue,
                scheduled_for: PostgresRows.ms(execution.scheduledFor), attempt: Int64(execution.attempt),
                started_at: PostgresRows.ms(execution.startedAt), completed_at: PostgresRows.ms(execution.completedAt),
                duration_ms: execution.durationMs.map(Int64.init), http_status_code: execution.httpStatusCode.map(Int64.init),
                response_body: PostgresRows.text(execution.responseBody), error: PostgresRows.text(execution.error),
                replay_of: execution.replayOf, retry_at: PostgresRows.ms(execution.retryAt),
                missed_slots: Int64(execution.missedSlots), created_at: PostgresRows.ms(execution.createdAt))
        }
        let json = try Self.json(rows)
        return try await ids(
            """
            INSERT INTO executions (\(unescaped: PostgresStore.executionColumns))
            SELECT r.id, r.user_id, r.job_id, r.status, r.scheduled_for, r.attempt, r.started_at, r.completed_at,
                   r.duration_ms, r.http_status_code, r.response_body, r.error, r.replay_of, r.retry_at,
                   r.missed_slots, r.created_at
            FROM jsonb_to_recordset(\(json)::JSONB) AS r(
                id TEXT, user_id TEXT, job_id TEXT, status TEXT, scheduled_for BIGINT, attempt BIGINT, started_at BIGINT,
                completed_at BIGINT, duration_ms BIGINT, http_status_code BIGINT, response_body TEXT, error TEXT,
                replay_of TEXT, retry_at BIGINT, missed_slots BIGINT, created_at BIGINT)
            WHERE EXISTS (SELECT 1 FROM jobs j WHERE j.id = r.job_id)
            ON CONFLICT (job_id, scheduled_for, attempt) DO NOTHING
            RETURNING id
            """)
    }

    private func finish(_ results: [ExecutionResult], startedAt: [String: Int64]) async throws -> Set<String> {
        let rows = results.map { result in
            FinishRow(
                id: result.executionId, status: result.status.rawValue,
                started_at: PostgresRows.ms(result.startedAt) ?? startedAt[result.executionId],
                completed_at: PostgresRows.ms(result.completedAt), duration_ms: result.durationMs.map(Int64.init),
                http_status_code: result.httpStatusCode.map(Int64.init),
                response_body: PostgresRows.text(result.responseBody), error: PostgresRows.text(result.error),
                retry_at: PostgresRows.ms(result.retryAt))
        }
        let json = try Self.json(rows)
        return try await ids(
            """
            UPDATE executions e SET status = r.status, started_at = coalesce(r.started_at, e.started_at),
                completed_at = r.completed_at, duration_ms = r.duration_ms, http_status_code = r.http_status_code,
                response_body = r.response_body, error = r.error, retry_at = r.retry_at
            FROM jsonb_to_recordset(\(json)::JSONB) AS r(
                id TEXT, status TEXT, started_at BIGINT, completed_at BIGINT, duration_ms BIGINT, http_status_code BIGINT,
                response_body TEXT, error TEXT, retry_at BIGINT)
            WHERE e.id = r.id
            RETURNING e.id
            """)
    }

    private func ids(_ query: PostgresQuery) async throws -> Set<String> {
        Set(try await connection.query(query, logger: logger).all { try $0.decode(String.self) })
    }

    private static func json(_ rows: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
    }
}

extension PostgresStore {
    public func apply(_ writes: [EngineWrite]) async throws -> [Bool] {
        guard !writes.isEmpty else { return [] }
        let logger = logger
        return try await transaction { connection in
            try await PostgresEngineBatch(connection: connection, logger: logger).apply(writes)
        }
    }
}
