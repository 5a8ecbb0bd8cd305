import Foundation
import Logging
import PostgresNIO
import RunhooksCore

/// Applies a batch of engine writes in one transaction and a handful of round trips, whatever
/// the batch's size: one statement per kind of write, its rows passed as arrays (`unnest`). A claim that loses its race (`ON CONFLICT DO NOTHING`) or whose job was deleted
/// meanwhile does not abort the transaction, unlike an error would under PostgreSQL's rules.
struct PostgresEngineBatch {
    let connection: PostgresConnection
    let logger: Logger
    /// Told of every answer, so that the answer deadline counts from the last one: a big batch
    /// over a slow link is not cut off while its statements keep being answered.
    let watch: AnswerWatch

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
        // A claim that lost may be this very claim, committed by a batch whose answer was lost
        // (the connection closed during its COMMIT) and sent again: it stands, and its run and
        // slot were counted by that batch. A claim of another slot under an id already taken (a
        // requested run, whose execution id is its request's, launched twice) loses.
        let lost = claims.map(\.execution).filter { !won.contains($0.id) }
        let committedBefore = lost.isEmpty ? [] : try await ids(
            """
            SELECT e.id FROM executions e
            JOIN unnest(\(lost.map(\.id))::TEXT[], \(lost.map(\.jobId))::TEXT[],
                        \(lost.map { $0.scheduledFor.millisecondsSince1970 })::BIGINT[],
                        \(lost.map { Int64($0.attempt) })::BIGINT[]) AS u(id, job_id, scheduled_for, attempt)
              ON e.id = u.id AND e.job_id = u.job_id AND e.scheduled_for = u.scheduled_for AND e.attempt = u.attempt
            """)
        for claim in claims where committedBefore.contains(claim.execution.id) { results[claim.index] = true }
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
            try await run(
                """
                UPDATE jobs j SET last_slot_at = GREATEST(coalesce(j.last_slot_at, 0), u.slot)
                FROM unnest(\(jobs)::TEXT[], \(jobs.map { latestSlots[$0] ?? 0 })::BIGINT[]) AS u(id, slot)
                WHERE j.id = u.id
                """)
        }
        if !runs.isEmpty {
            let keys = runs.keys.sorted { ($0.userId, $0.period) < ($1.userId, $1.period) }
            try await run(
                """
                INSERT INTO usage_counters (user_id, period, runs)
                SELECT * FROM unnest(\(keys.map(\.userId))::TEXT[], \(keys.map(\.period))::TEXT[],
                                     \(keys.map { runs[$0] ?? 0 })::BIGINT[])
                ON CONFLICT (user_id, period) DO UPDATE SET runs = usage_counters.runs + excluded.runs
                """)
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
        let rows = try await run(
            """
            SELECT shard, owner, epoch, expires_at > runhooks_now_ms() FROM shard_leases
            WHERE shard = ANY(\(shards)::BIGINT[]) ORDER BY shard FOR SHARE
            """
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
        try await run("SAVEPOINT claims")
        do {
            let won = try await insertClaimRows(executions)
            try await run("RELEASE SAVEPOINT claims")
            return won
        } catch let error as PSQLError where error.sqlState == "23503" {
            // A job was deleted between the existence check and the insert: redo the claims one
            // by one, each under its own savepoint, so only the orphans are refused.
            try await run("ROLLBACK TO SAVEPOINT claims")
            var won = Set<String>()
            for execution in executions {
                try await run("SAVEPOINT claim")
                do {
                    won.formUnion(try await insertClaimRows([execution]))
                    try await run("RELEASE SAVEPOINT claim")
                } catch let error as PSQLError where error.sqlState == "23503" {
                    try await run("ROLLBACK TO SAVEPOINT claim")
                }
            }
            return won
        }
    }

    /// The rows go in in key order: two batches whose claims overlap (the same slots, taken
    /// in different orders) would otherwise each hold a key the other waits for, a deadlock
    /// PostgreSQL breaks only after a second by failing one of them. In one order, the later
    /// batch waits for the earlier and its claims then lose.
    private func insertClaimRows(_ executions: [Execution]) async throws -> Set<String> {
        var rows = ColumnArrays(capacity: executions.count)
        for execution in executions {
            rows.text(0, execution.id)
            rows.text(1, execution.userId)
            rows.text(2, execution.jobId)
            rows.text(3, execution.status.rawValue)
            rows.bigint(0, execution.scheduledFor.millisecondsSince1970)
            rows.bigint(1, Int64(execution.attempt))
            rows.bigint(2, PostgresRows.ms(execution.startedAt))
            rows.bigint(3, PostgresRows.ms(execution.completedAt))
            rows.bigint(4, execution.durationMs.map(Int64.init))
            rows.bigint(5, execution.httpStatusCode.map(Int64.init))
            rows.nullableText(0, PostgresRows.text(execution.responseBody))
            rows.nullableText(1, PostgresRows.text(execution.error))
            rows.nullableText(2, execution.replayOf)
            rows.bigint(6, PostgresRows.ms(execution.retryAt))
            rows.bigint(7, Int64(execution.missedSlots))
            rows.bigint(8, execution.createdAt.millisecondsSince1970)
        }
        // Orphans (a job deleted meanwhile) fail the foreign key; `insertClaims` redoes the
        // batch one by one then, which is rare enough to spare every row an existence check.
        return try await ids(
            """
            INSERT INTO executions (\(unescaped: PostgresStore.executionColumns))
            SELECT u.id, u.user_id, u.job_id, u.status, u.scheduled_for, u.attempt, NULLIF(u.started_at, -1),
                   NULLIF(u.completed_at, -1), NULLIF(u.duration_ms, -1), NULLIF(u.http_status_code, -1),
                   CASE WHEN u.body_null THEN NULL ELSE u.body END, CASE WHEN u.error_null THEN NULL ELSE u.error END,
                   CASE WHEN u.replay_null THEN NULL ELSE u.replay_of END, NULLIF(u.retry_at, -1), u.missed_slots,
                   u.created_at
            FROM unnest(\(rows.texts[0])::TEXT[], \(rows.texts[1])::TEXT[], \(rows.texts[2])::TEXT[],
                        \(rows.texts[3])::TEXT[], \(rows.bigints[0])::BIGINT[], \(rows.bigints[1])::BIGINT[],
                        \(rows.bigints[2])::BIGINT[], \(rows.bigints[3])::BIGINT[], \(rows.bigints[4])::BIGINT[],
                        \(rows.bigints[5])::BIGINT[], \(rows.nullableTexts[0])::TEXT[], \(rows.nulls[0])::BOOL[],
                        \(rows.nullableTexts[1])::TEXT[], \(rows.nulls[1])::BOOL[], \(rows.nullableTexts[2])::TEXT[],
                        \(rows.nulls[2])::BOOL[], \(rows.bigints[6])::BIGINT[], \(rows.bigints[7])::BIGINT[],
                        \(rows.bigints[8])::BIGINT[])
                AS u(id, user_id, job_id, status, scheduled_for, attempt, started_at, completed_at, duration_ms,
                     http_status_code, body, body_null, error, error_null, replay_of, replay_null, retry_at,
                     missed_slots, created_at)
            ORDER BY u.job_id, u.scheduled_for, u.attempt
            ON CONFLICT DO NOTHING
            RETURNING id
            """)
    }

    private func finish(_ results: [ExecutionResult], startedAt: [String: Int64]) async throws -> Set<String> {
        var rows = ColumnArrays(capacity: results.count)
        for result in results {
            rows.text(0, result.executionId)
            rows.text(1, result.status.rawValue)
            rows.bigint(0, PostgresRows.ms(result.startedAt) ?? startedAt[result.executionId])
            rows.bigint(1, result.completedAt.millisecondsSince1970)
            rows.bigint(2, result.durationMs.map(Int64.init))
            rows.bigint(3, result.httpStatusCode.map(Int64.init))
            rows.nullableText(0, PostgresRows.text(result.responseBody))
            rows.nullableText(1, PostgresRows.text(result.error))
            rows.bigint(4, PostgresRows.ms(result.retryAt))
            rows.bigint(5, TimingColumns.us(result.timing?.dnsMs))
            rows.bigint(6, TimingColumns.us(result.timing?.connectMs))
            rows.bigint(7, TimingColumns.us(result.timing?.tlsMs))
            rows.bigint(8, TimingColumns.us(result.timing?.firstByteMs))
            rows.bigint(9, TimingColumns.us(result.timing?.totalMs))
            rows.bigint(10, TimingColumns.us(result.lateMs))
        }
        return try await ids(
            """
            UPDATE executions e SET status = u.status, started_at = coalesce(NULLIF(u.started_at, -1), e.started_at),
                completed_at = u.completed_at, duration_ms = NULLIF(u.duration_ms, -1),
                http_status_code = NULLIF(u.http_status_code, -1),
                response_body = CASE WHEN u.body_null THEN NULL ELSE u.body END,
                error = CASE WHEN u.error_null THEN NULL ELSE u.error END, retry_at = NULLIF(u.retry_at, -1),
                dns_us = NULLIF(u.dns_us, -1), connect_us = NULLIF(u.connect_us, -1), tls_us = NULLIF(u.tls_us, -1),
                first_byte_us = NULLIF(u.first_byte_us, -1), total_us = NULLIF(u.total_us, -1),
                late_us = NULLIF(u.late_us, -1)
            FROM unnest(\(rows.texts[0])::TEXT[], \(rows.texts[1])::TEXT[], \(rows.bigints[0])::BIGINT[],
                        \(rows.bigints[1])::BIGINT[], \(rows.bigints[2])::BIGINT[], \(rows.bigints[3])::BIGINT[],
                        \(rows.nullableTexts[0])::TEXT[], \(rows.nulls[0])::BOOL[], \(rows.nullableTexts[1])::TEXT[],
                        \(rows.nulls[1])::BOOL[], \(rows.bigints[4])::BIGINT[], \(rows.bigints[5])::BIGINT[],
                        \(rows.bigints[6])::BIGINT[], \(rows.bigints[7])::BIGINT[], \(rows.bigints[8])::BIGINT[],
                        \(rows.bigints[9])::BIGINT[], \(rows.bigints[10])::BIGINT[])
                AS u(id, status, started_at, completed_at, duration_ms, http_status_code, body, body_null, error,
                     error_null, retry_at, dns_us, connect_us, tls_us, first_byte_us, total_us, late_us)
            WHERE e.id = u.id
            RETURNING e.id
            """)
    }

    private func ids(_ query: PostgresQuery) async throws -> Set<String> {
        Set(try await run(query).all { try $0.decode(String.self) })
    }

    /// One statement, its rows read in full.
    @discardableResult
    private func run(_ query: PostgresQuery) async throws -> FetchedRows {
        try await connection.fetch(query, logger: logger, watch: watch)
    }
}

extension PostgresStore {
    public func apply(_ writes: [EngineWrite]) async throws -> [Bool] {
        guard !writes.isEmpty else { return [] }
        let logger = logger
        return try await Self.describingRefusals {
            try await transactionWithAnswerDeadline { connection, watch in
                try await PostgresEngineBatch(connection: connection, logger: logger, watch: watch).apply(writes)
            }
        }
    }
}
