import Foundation
import GRDB
import RunhooksCore

extension SQLiteStore {
    public func insertJob(_ job: Job, shard: Int) async throws {
        var arguments = SQLiteRows.jobArguments(job)
        arguments += ["shard": shard]
        try await pool.write { [arguments] db in
            try db.execute(
                sql: """
                    INSERT INTO jobs (id, user_id, shard, name, description, schedule_type, schedule_expression,
                        schedule_timezone, http_url, http_method, http_headers, http_body, http_timeout_ms, retry_max,
                        retry_initial_delay, retry_multiplier, retry_max_delay, status, tags, anchor_at, created_at,
                        updated_at)
                    VALUES (:id, :user_id, :shard, :name, :description, :schedule_type, :schedule_expression,
                        :schedule_timezone, :http_url, :http_method, :http_headers, :http_body, :http_timeout_ms,
                        :retry_max, :retry_initial_delay, :retry_multiplier, :retry_max_delay, :status, :tags,
                        :anchor_at, :created_at, :updated_at)
                    """,
                arguments: arguments)
        }
    }

    public func countJobs(userId: String) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM jobs WHERE user_id = ?"), arguments: [userId]) ?? 0
        }
    }

    public func job(id: String, userId: String) async throws -> Job? {
        try await pool.read { db in
            try SQLiteRows.one(
                db.cachedStatement(sql: "SELECT * FROM jobs WHERE id = ? AND user_id = ?"), arguments: [id, userId], SQLiteRows.job)
        }
    }

    public func listJobs(userId: String, filter: JobFilter, page: PageRequest) async throws -> Page<Job> {
        var conditions = ["user_id = ?"]
        var arguments: StatementArguments = [userId]
        if let status = filter.status {
            conditions.append("status = ?")
            arguments += [status.rawValue]
        }
        if let tag = filter.tag {
            conditions.append("EXISTS (SELECT 1 FROM json_each(jobs.tags) WHERE json_each.value = ?)")
            arguments += [tag]
        }
        if let pattern = filter.namePattern {
            conditions.append("name_matches(?, name)")
            arguments += [pattern]
        }
        let whereClause = conditions.joined(separator: " AND ")
        do {
            return try await pool.read { [arguments] db in
                let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE \(whereClause)", arguments: arguments) ?? 0
                let jobs = try SQLiteRows.all(
                    db,
                    sql: "SELECT * FROM jobs WHERE \(whereClause) ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                    arguments: arguments + [page.limit, page.offset], SQLiteRows.job)
                return Page(items: jobs, total: total, request: page)
            }
        } catch let error as DatabaseError where NameMatcher.isTooSlow(error) {
            throw NameMatcher.TooSlow().asValidationError
        }
    }

    public func updateJob(_ job: Job, expectedUpdatedAt: Date) async throws -> Bool {
        var arguments = SQLiteRows.jobArguments(job)
        arguments += ["expected_updated_at": expectedUpdatedAt.millisecondsSince1970]
        return try await pool.write { [arguments] db in
            try db.execute(
                sql: """
                    UPDATE jobs SET name = :name, description = :description, schedule_type = :schedule_type,
                        schedule_expression = :schedule_expression, schedule_timezone = :schedule_timezone,
                        http_url = :http_url, http_method = :http_method, http_headers = :http_headers,
                        http_body = :http_body, http_timeout_ms = :http_timeout_ms, retry_max = :retry_max,
                        retry_initial_delay = :retry_initial_delay, retry_multiplier = :retry_multiplier,
                        retry_max_delay = :retry_max_delay, status = :status, tags = :tags, anchor_at = :anchor_at,
                        updated_at = :updated_at
                    WHERE id = :id AND user_id = :user_id AND updated_at = :expected_updated_at
                    """,
                arguments: arguments)
            return db.changesCount > 0
        }
    }

    public func deleteJob(id: String, userId: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM jobs WHERE id = ? AND user_id = ?", arguments: [id, userId])
            return db.changesCount > 0
        }
    }
}
