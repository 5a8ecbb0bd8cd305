import Foundation
import PostgresNIO
import RunhooksCore

extension PostgresStore {
    public func insertJob(_ job: Job, shard: Int) async throws {
        try await query(
            """
            INSERT INTO jobs (id, user_id, shard, name, description, schedule_type, schedule_expression,
                schedule_timezone, http_url, http_method, http_headers, http_body, http_timeout_ms, retry_max,
                retry_initial_delay, retry_multiplier, retry_max_delay, status, tags, anchor_at, created_at, updated_at)
            VALUES (\(job.id), \(job.userId), \(shard), \(job.name), \(job.description), \(job.schedule.kind.rawValue),
                \(job.schedule.expression), \(job.schedule.timezone), \(job.httpConfig.url),
                \(job.httpConfig.method.rawValue), \(PostgresRows.headersJSON(job)), \(job.httpConfig.body),
                \(job.httpConfig.timeoutMs), \(job.retryPolicy.maxRetries), \(job.retryPolicy.initialDelay),
                \(job.retryPolicy.backoffMultiplier), \(job.retryPolicy.maxDelay), \(job.status.rawValue),
                \(PostgresRows.tagsJSON(job)), \(PostgresRows.ms(job.anchorAt)), \(PostgresRows.ms(job.createdAt)),
                \(PostgresRows.ms(job.updatedAt)))
            """, logger: logger)
    }

    public func countJobs(userId: String) async throws -> Int {
        try await query("SELECT count(*) FROM jobs WHERE user_id = \(userId)", logger: logger)
            .first { try $0.decode(Int.self) } ?? 0
    }

    public func job(id: String, userId: String) async throws -> Job? {
        try await query("SELECT * FROM jobs WHERE id = \(id) AND user_id = \(userId)", logger: logger)
            .first(PostgresRows.job)
    }

    public func listJobs(userId: String, filter: JobFilter, page: PageRequest) async throws -> Page<Job> {
        var conditions = ["user_id = $1"]
        var bindings = PostgresBindings()
        bindings.append(userId)
        if let status = filter.status {
            bindings.append(status.rawValue)
            conditions.append("status = $\(bindings.count)")
        }
        if let tag = filter.tag {
            // The same exact match as SQLite's json_each: one element of the tags array equals the tag.
            bindings.append(tag)
            conditions.append("tags::jsonb @> jsonb_build_array($\(bindings.count)::text)")
        }
        let whereClause = conditions.joined(separator: " AND ")
        guard let pattern = filter.namePattern else {
            return try await self.page(of: "jobs", where: whereClause, bindings: bindings, request: page, PostgresRows.job)
        }
        // The name filter is the same regular expression dialect (ICU, case-insensitive) as on
        // SQLite, matched here rather than with PostgreSQL's POSIX `~*`, so both backends agree.
        // A user's jobs are bounded by the plan's quota, so matching their names is cheap.
        let candidates = try await query(
            PostgresQuery(
                unsafeSQL: "SELECT id, name FROM jobs WHERE \(whereClause) ORDER BY created_at DESC, id DESC",
                binds: bindings), logger: logger
        ).all { try $0.decode((String, String).self) }
        let matching: [String]
        do {
            matching = try candidates.filter { try NameMatcher.matches(pattern: pattern, name: $0.1) }.map(\.0)
        } catch let tooSlow as NameMatcher.TooSlow {
            throw tooSlow.asValidationError
        }
        let pageIds = Array(matching.dropFirst(page.offset).prefix(page.limit))
        let rows = try await query(
            "SELECT * FROM jobs WHERE user_id = \(userId) AND id = ANY(\(pageIds))", logger: logger
        ).all(PostgresRows.job)
        let byId = Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return Page(items: pageIds.compactMap { byId[$0] }, total: matching.count, request: page)
    }

    public func updateJob(_ job: Job, expectedUpdatedAt: Date) async throws -> Bool {
        try await query(
            """
            UPDATE jobs SET name = \(job.name), description = \(job.description),
                schedule_type = \(job.schedule.kind.rawValue), schedule_expression = \(job.schedule.expression),
                schedule_timezone = \(job.schedule.timezone), http_url = \(job.httpConfig.url),
                http_method = \(job.httpConfig.method.rawValue), http_headers = \(PostgresRows.headersJSON(job)),
                http_body = \(job.httpConfig.body), http_timeout_ms = \(job.httpConfig.timeoutMs),
                retry_max = \(job.retryPolicy.maxRetries), retry_initial_delay = \(job.retryPolicy.initialDelay),
                retry_multiplier = \(job.retryPolicy.backoffMultiplier), retry_max_delay = \(job.retryPolicy.maxDelay),
                status = \(job.status.rawValue), tags = \(PostgresRows.tagsJSON(job)),
                anchor_at = \(PostgresRows.ms(job.anchorAt)), updated_at = \(PostgresRows.ms(job.updatedAt))
            WHERE id = \(job.id) AND user_id = \(job.userId) AND updated_at = \(PostgresRows.ms(expectedUpdatedAt))
            RETURNING id
            """, logger: logger
        ).first { _ in true } ?? false
    }

    public func deleteJob(id: String, userId: String) async throws -> Bool {
        try await query("DELETE FROM jobs WHERE id = \(id) AND user_id = \(userId) RETURNING id", logger: logger)
            .first { _ in true } ?? false
    }
}
