import Foundation
import PostgresNIO
import RunhooksCore

extension PostgresStore {
    static let executionColumns = """
        id, user_id, job_id, status, scheduled_for, attempt, started_at, completed_at, duration_ms, http_status_code,
        response_body, error, replay_of, retry_at, missed_slots, created_at
        """

    public func insertExecution(_ execution: Execution) async throws {
        do {
            try await query(
                """
                INSERT INTO executions (\(unescaped: Self.executionColumns))
                VALUES (\(execution.id), \(execution.userId), \(execution.jobId), \(execution.status.rawValue),
                    \(PostgresRows.ms(execution.scheduledFor)), \(execution.attempt), \(PostgresRows.ms(execution.startedAt)),
                    \(PostgresRows.ms(execution.completedAt)), \(execution.durationMs), \(execution.httpStatusCode),
                    \(PostgresRows.text(execution.responseBody)), \(PostgresRows.text(execution.error)), \(execution.replayOf),
                    \(PostgresRows.ms(execution.retryAt)), \(execution.missedSlots), \(PostgresRows.ms(execution.createdAt)))
                """, logger: logger)
        } catch let error as PSQLError where error.sqlState == "23505" {
            throw StoreError.duplicateExecution
        }
    }

    public func execution(id: String, userId: String) async throws -> Execution? {
        try await query("SELECT * FROM executions WHERE id = \(id) AND user_id = \(userId)", logger: logger)
            .first(PostgresRows.execution)
    }

    public func listExecutions(userId: String, filter: ExecutionFilter, page: PageRequest) async throws -> Page<Execution> {
        var conditions = ["user_id = $1"]
        var bindings = PostgresBindings()
        bindings.append(userId)
        if let jobId = filter.jobId {
            // The account is checked on the job, once, rather than on every execution (as on SQLite).
            bindings.append(jobId)
            conditions = ["job_id = $2", "(SELECT user_id FROM jobs WHERE id = $2) = $1"]
        }
        if let status = filter.status {
            bindings.append(status.rawValue)
            conditions.append("status = $\(bindings.count)")
        }
        let whereClause = conditions.joined(separator: " AND ")
        return try await self.page(of: "executions", where: whereClause, bindings: bindings, request: page, PostgresRows.execution)
    }

    public func insertReplayRequest(_ request: ReplayRequest) async throws {
        try await query(
            """
            INSERT INTO replay_requests (id, user_id, job_id, kind, execution_id, requested_at)
            VALUES (\(request.id), \(request.userId), \(request.jobId), \(request.kind.rawValue), \(request.executionId),
                    \(PostgresRows.ms(request.requestedAt)))
            """, logger: logger)
    }

    public func pendingReplayRequests(requestedBefore cutoff: Date, after last: ReplayRequest?, limit: Int) async throws -> [ReplayRequest] {
        let lastAt = last.map { PostgresRows.ms($0.requestedAt) } ?? Int64.min
        let lastId = last?.id ?? ""
        return try await query(
            """
            SELECT * FROM replay_requests
            WHERE handled_at IS NULL AND requested_at < \(PostgresRows.ms(cutoff))
                AND (requested_at, id) > (\(lastAt), \(lastId))
            ORDER BY requested_at, id LIMIT \(limit)
            """,
            logger: logger
        ).all { row in
            let r = row.makeRandomAccess()
            return ReplayRequest(
                id: try r["id"].decode(String.self), userId: try r["user_id"].decode(String.self),
                jobId: try r["job_id"].decode(String.self),
                kind: ReplayRequest.Kind(rawValue: try r["kind"].decode(String.self)) ?? .replay,
                executionId: try r["execution_id"].decode(String?.self),
                requestedAt: try PostgresRows.date(r, "requested_at"))
        }
    }

    public func purgeReplayRequests(handledBefore cutoff: Date, limit: Int) async throws -> Int {
        var bindings = PostgresBindings()
        bindings.append(PostgresRows.ms(cutoff))
        return try await deleteChunk(from: "replay_requests", where: "handled_at < $1", bindings: bindings, limit: limit)
    }

    public func runCounts(userId: String, at date: Date) async throws -> RunCounts {
        let day = UsagePeriod.day(of: date).key
        let month = UsagePeriod.month(of: date).key
        var counts = RunCounts(daily: 0, monthly: 0)
        let rows = try await query(
            "SELECT period, runs FROM usage_counters WHERE user_id = \(userId) AND period IN (\(day), \(month))",
            logger: logger
        ).all { try $0.decode((String, Int).self) }
        for (period, runs) in rows {
            if period == day { counts.daily = runs } else { counts.monthly = runs }
        }
        return counts
    }

    public func purgeUsageCounters(before cutoff: Date, limit: Int) async throws -> Int {
        let periods = try await query("SELECT DISTINCT period FROM usage_counters", logger: logger).all { try $0.decode(String.self) }
        let over = periods.filter { UsagePeriod(key: $0)?.isOver(before: cutoff) == true }
        guard !over.isEmpty else { return 0 }
        var bindings = PostgresBindings()
        bindings.append(over)
        return try await deleteChunk(from: "usage_counters", where: "period = ANY($1)", bindings: bindings, limit: limit)
    }

    public func activeJobs(shard: Int) async throws -> [ScheduledJob] {
        // A job's latest slot is the later of its mark and its newest execution (as in SQLite).
        try await query(
            """
            SELECT j.*, (SELECT max(e.scheduled_for) FROM executions e WHERE e.job_id = j.id) AS newest_slot
            FROM jobs j WHERE j.shard = \(shard) AND j.status = 'active'
            """, logger: logger
        ).all { row in
            let r = row.makeRandomAccess()
            let marks = [try PostgresRows.optionalDate(r, "last_slot_at"), try PostgresRows.optionalDate(r, "newest_slot")]
            return ScheduledJob(job: try PostgresRows.job(r), lastSlot: marks.compactMap { $0 }.max())
        }
    }

    public func unfinishedExecutions(shard: Int) async throws -> [Execution] {
        try await query(
            """
            SELECT e.* FROM executions e JOIN jobs j ON j.id = e.job_id
            WHERE e.status IN ('pending', 'running') AND j.shard = \(shard)
            ORDER BY e.scheduled_for
            """, logger: logger
        ).all(PostgresRows.execution)
    }

    public func dueRetries(shard: Int) async throws -> [Execution] {
        try await query(
            """
            SELECT e.* FROM executions e JOIN jobs j ON j.id = e.job_id
            WHERE e.retry_at IS NOT NULL AND j.shard = \(shard)
              AND NOT EXISTS (SELECT 1 FROM executions n WHERE n.job_id = e.job_id
                              AND n.scheduled_for = e.scheduled_for AND n.attempt = e.attempt + 1)
            ORDER BY e.retry_at
            """, logger: logger
        ).all(PostgresRows.execution)
    }

    public func purgeExecutions(plan: Plan, createdBefore cutoff: Date, limit: Int) async throws -> Int {
        var bindings = PostgresBindings()
        bindings.append(PostgresRows.ms(cutoff))
        bindings.append(plan.rawValue)
        return try await deleteChunk(
            from: "executions",
            where: "created_at < $1 AND status NOT IN ('pending', 'running') AND user_id IN (SELECT id FROM users WHERE plan = $2)",
            bindings: bindings, limit: limit)
    }
}
