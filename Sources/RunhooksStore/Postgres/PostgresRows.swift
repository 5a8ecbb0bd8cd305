import Foundation
import PostgresNIO
import RunhooksCore

/// Conversions between rows and models. Dates are integer milliseconds (UTC), as in SQLite.
enum PostgresRows {
    static func ms(_ date: Date) -> Int64 { date.millisecondsSince1970 }
    static func ms(_ date: Date?) -> Int64? { date?.millisecondsSince1970 }

    /// PostgreSQL's text cannot hold NUL; a target's response body can.
    static func text(_ value: String?) -> String? {
        guard let value, value.utf8.contains(0) else { return value }
        return value.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
    }

    static func user(_ row: PostgresRow) throws -> User {
        let r = row.makeRandomAccess()
        return User(
            id: try r["id"].decode(String.self), email: try r["email"].decode(String?.self),
            name: try r["name"].decode(String.self),
            role: User.Role(rawValue: try r["role"].decode(String.self)) ?? .user,
            plan: Plan(rawValue: try r["plan"].decode(String.self)) ?? .free,
            isAnonymous: try r["is_anonymous"].decode(Bool.self),
            apiKeyPrefix: try r["api_key_prefix"].decode(String.self),
            createdAt: try date(r, "created_at"), updatedAt: try date(r, "updated_at"))
    }

    static func job(_ row: PostgresRow) throws -> Job {
        try job(row.makeRandomAccess())
    }

    static func job(_ r: PostgresRandomAccessRow) throws -> Job {
        let headers = try r["http_headers"].decode(String?.self)
            .flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
        let tags = (try? JSONDecoder().decode([String].self, from: Data(try r["tags"].decode(String.self).utf8))) ?? []
        return Job(
            id: try r["id"].decode(String.self), userId: try r["user_id"].decode(String.self),
            name: try r["name"].decode(String.self), description: try r["description"].decode(String?.self),
            schedule: Schedule(
                kind: Schedule.Kind(rawValue: try r["schedule_type"].decode(String.self)) ?? .cron,
                expression: try r["schedule_expression"].decode(String.self),
                timezone: try r["schedule_timezone"].decode(String?.self)),
            httpConfig: HTTPConfig(
                url: try r["http_url"].decode(String.self),
                method: HTTPConfig.Method(rawValue: try r["http_method"].decode(String.self)) ?? .GET,
                headers: headers, body: try r["http_body"].decode(String?.self),
                timeoutMs: try r["http_timeout_ms"].decode(Int.self)),
            retryPolicy: RetryPolicy(
                maxRetries: try r["retry_max"].decode(Int.self), initialDelay: try r["retry_initial_delay"].decode(Int.self),
                backoffMultiplier: try r["retry_multiplier"].decode(Double.self),
                maxDelay: try r["retry_max_delay"].decode(Int.self)),
            status: Job.Status(rawValue: try r["status"].decode(String.self)) ?? .active, tags: tags,
            createdAt: try date(r, "created_at"), updatedAt: try date(r, "updated_at"),
            anchorAt: try date(r, "anchor_at"))
    }

    static func headersJSON(_ job: Job) -> String? {
        job.httpConfig.headers.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
    }

    static func tagsJSON(_ job: Job) -> String {
        String(decoding: (try? JSONEncoder().encode(job.tags)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func execution(_ row: PostgresRow) throws -> Execution {
        let r = row.makeRandomAccess()
        return Execution(
            id: try r["id"].decode(String.self), jobId: try r["job_id"].decode(String.self),
            userId: try r["user_id"].decode(String.self),
            status: Execution.Status(rawValue: try r["status"].decode(String.self)) ?? .failed,
            scheduledFor: try date(r, "scheduled_for"), attempt: try r["attempt"].decode(Int.self),
            startedAt: try optionalDate(r, "started_at"), completedAt: try optionalDate(r, "completed_at"),
            durationMs: try r["duration_ms"].decode(Int?.self), httpStatusCode: try r["http_status_code"].decode(Int?.self),
            responseBody: try r["response_body"].decode(String?.self), error: try r["error"].decode(String?.self),
            replayOf: try r["replay_of"].decode(String?.self), retryAt: try optionalDate(r, "retry_at"),
            missedSlots: try r["missed_slots"].decode(Int.self), createdAt: try date(r, "created_at"),
            timing: TimingColumns.timing(
                dns: try r["dns_us"].decode(Int64?.self), connect: try r["connect_us"].decode(Int64?.self),
                tls: try r["tls_us"].decode(Int64?.self), firstByte: try r["first_byte_us"].decode(Int64?.self),
                total: try r["total_us"].decode(Int64?.self)),
            lateMs: TimingColumns.ms(try r["late_us"].decode(Int64?.self)))
    }

    static func alert(_ row: PostgresRow) throws -> AlertConfig {
        let r = row.makeRandomAccess()
        return AlertConfig(
            id: try r["id"].decode(String.self), userId: try r["user_id"].decode(String.self),
            name: try r["name"].decode(String.self),
            channel: AlertConfig.Channel(rawValue: try r["channel"].decode(String.self)) ?? .webhook,
            target: try r["target"].decode(String.self), jobId: try r["job_id"].decode(String?.self),
            consecutiveFailuresThreshold: try r["threshold"].decode(Int.self),
            cooldownMinutes: try r["cooldown_minutes"].decode(Int.self), enabled: try r["enabled"].decode(Bool.self),
            createdAt: try date(r, "created_at"), updatedAt: try date(r, "updated_at"))
    }

    static func date(_ row: PostgresRandomAccessRow, _ column: String) throws -> Date {
        Date(milliseconds: try row[column].decode(Int64.self))
    }

    static func optionalDate(_ row: PostgresRandomAccessRow, _ column: String) throws -> Date? {
        try row[column].decode(Int64?.self).map(Date.init(milliseconds:))
    }
}

extension PostgresRowSequence {
    /// Every row, mapped.
    func all<T>(_ transform: (PostgresRow) throws -> T) async throws -> [T] {
        var items: [T] = []
        for try await row in self { items.append(try transform(row)) }
        return items
    }

    /// The first row, mapped; nil when there is none.
    func first<T>(_ transform: (PostgresRow) throws -> T) async throws -> T? {
        var found: T?
        for try await row in self where found == nil { found = try transform(row) }
        return found
    }
}

extension PSQLError {
    /// The server's SQLSTATE, such as 23505 for a unique violation.
    var sqlState: String? { serverInfo?[.sqlState] }

    /// The server's message and SQLSTATE ("deadlock detected (SQLSTATE 40P01)"), or the
    /// client-side error code; never the statement's values.
    var serverSummary: String {
        guard let message = serverInfo?[.message] else { return "\(code)" }
        return "\(message) (SQLSTATE \(sqlState ?? "unknown"))"
    }

    /// Whether the connection was lost rather than the statement refused: closed by either
    /// side, reset, or ended by a server that shuts down, restarts or had the backend
    /// terminated (SQLSTATE classes 08 and 57P). Another connection may well succeed.
    var isLostConnection: Bool {
        switch code {
        case .clientClosedConnection, .serverClosedConnection, .connectionError, .uncleanShutdown, .poolClosed:
            return true
        case .server:
            return sqlState.map { $0.hasPrefix("08") || $0.hasPrefix("57P") } ?? false
        default:
            return false
        }
    }
}
