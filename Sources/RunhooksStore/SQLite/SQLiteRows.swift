import Foundation
import GRDB
import RunhooksCore

/// Conversions between rows and models. Dates are stored as integer milliseconds (UTC).
enum SQLiteRows {
    static func ms(_ date: Date) -> Int64 { date.millisecondsSince1970 }
    static func ms(_ date: Date?) -> Int64? { date?.millisecondsSince1970 }
    static func date(_ row: Row, _ column: String) -> Date { Date(milliseconds: row[column]) }
    static func optionalDate(_ row: Row, _ column: String) -> Date? {
        (row[column] as Int64?).map(Date.init(milliseconds:))
    }

    static func user(_ row: Row) -> User {
        User(
            id: row["id"], email: row["email"], name: row["name"],
            role: User.Role(rawValue: row["role"]) ?? .user, plan: Plan(rawValue: row["plan"]) ?? .free,
            isAnonymous: row["is_anonymous"], apiKeyPrefix: row["api_key_prefix"],
            createdAt: date(row, "created_at"), updatedAt: date(row, "updated_at"))
    }

    static func job(_ row: Row) -> Job {
        let headersJSON: String? = row["http_headers"]
        let headers = headersJSON.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
        let tagsJSON: String = row["tags"]
        let tags = (try? JSONDecoder().decode([String].self, from: Data(tagsJSON.utf8))) ?? []
        return Job(
            id: row["id"], userId: row["user_id"], name: row["name"], description: row["description"],
            schedule: Schedule(
                kind: Schedule.Kind(rawValue: row["schedule_type"]) ?? .cron, expression: row["schedule_expression"],
                timezone: row["schedule_timezone"]),
            httpConfig: HTTPConfig(
                url: row["http_url"], method: HTTPConfig.Method(rawValue: row["http_method"]) ?? .GET,
                headers: headers, body: row["http_body"], timeoutMs: row["http_timeout_ms"]),
            retryPolicy: RetryPolicy(
                maxRetries: row["retry_max"], initialDelay: row["retry_initial_delay"],
                backoffMultiplier: row["retry_multiplier"], maxDelay: row["retry_max_delay"]),
            status: Job.Status(rawValue: row["status"]) ?? .active, tags: tags,
            createdAt: date(row, "created_at"), updatedAt: date(row, "updated_at"), anchorAt: date(row, "anchor_at"))
    }

    static func jobArguments(_ job: Job) -> StatementArguments {
        let headers = job.httpConfig.headers.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        let tags = String(decoding: (try? JSONEncoder().encode(job.tags)) ?? Data("[]".utf8), as: UTF8.self)
        return [
            "id": job.id, "user_id": job.userId, "name": job.name, "description": job.description,
            "schedule_type": job.schedule.kind.rawValue, "schedule_expression": job.schedule.expression,
            "schedule_timezone": job.schedule.timezone, "http_url": job.httpConfig.url,
            "http_method": job.httpConfig.method.rawValue, "http_headers": headers, "http_body": job.httpConfig.body,
            "http_timeout_ms": job.httpConfig.timeoutMs, "retry_max": job.retryPolicy.maxRetries,
            "retry_initial_delay": job.retryPolicy.initialDelay, "retry_multiplier": job.retryPolicy.backoffMultiplier,
            "retry_max_delay": job.retryPolicy.maxDelay, "status": job.status.rawValue, "tags": tags,
            "anchor_at": ms(job.anchorAt), "created_at": ms(job.createdAt), "updated_at": ms(job.updatedAt),
        ]
    }

    static func execution(_ row: Row) -> Execution {
        Execution(
            id: row["id"], jobId: row["job_id"], userId: row["user_id"],
            status: Execution.Status(rawValue: row["status"]) ?? .failed, scheduledFor: date(row, "scheduled_for"),
            attempt: row["attempt"], startedAt: optionalDate(row, "started_at"),
            completedAt: optionalDate(row, "completed_at"), durationMs: row["duration_ms"],
            httpStatusCode: row["http_status_code"], responseBody: row["response_body"], error: row["error"],
            replayOf: row["replay_of"], retryAt: optionalDate(row, "retry_at"), missedSlots: row["missed_slots"],
            createdAt: date(row, "created_at"),
            timing: TimingColumns.timing(
                dns: row["dns_us"], connect: row["connect_us"], tls: row["tls_us"], firstByte: row["first_byte_us"],
                total: row["total_us"]),
            lateMs: TimingColumns.ms(row["late_us"]))
    }

    static let executionColumns = """
        id, user_id, job_id, status, scheduled_for, attempt, started_at, completed_at, duration_ms, http_status_code,
        response_body, error, replay_of, retry_at, missed_slots, created_at
        """
    static let executionPlaceholders = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"

    static func executionArguments(_ execution: Execution) -> StatementArguments {
        [
            execution.id, execution.userId, execution.jobId, execution.status.rawValue, ms(execution.scheduledFor),
            execution.attempt, ms(execution.startedAt), ms(execution.completedAt), execution.durationMs,
            execution.httpStatusCode, execution.responseBody, execution.error, execution.replayOf, ms(execution.retryAt),
            execution.missedSlots, ms(execution.createdAt),
        ]
    }

    static func alert(_ row: Row) -> AlertConfig {
        AlertConfig(
            id: row["id"], userId: row["user_id"], name: row["name"],
            channel: AlertConfig.Channel(rawValue: row["channel"]) ?? .webhook, target: row["target"],
            jobId: row["job_id"], consecutiveFailuresThreshold: row["threshold"],
            cooldownMinutes: row["cooldown_minutes"], enabled: row["enabled"],
            createdAt: date(row, "created_at"), updatedAt: date(row, "updated_at"))
    }
}
