import Foundation
import RunhooksCore

/// A job as the API shows it.
struct JobDTO: Encodable {
    let job: Job
    let nextExecutionAt: Date?

    init(_ job: Job, now: Date) {
        self.job = job
        self.nextExecutionAt = job.nextExecution(after: now)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description, schedule, httpConfig, retryPolicy, status, tags, createdAt, updatedAt,
            nextExecutionAt
    }

    struct ScheduleDTO: Encodable {
        var type: String
        var expression: String
        var timezone: String?
    }

    struct HTTPConfigDTO: Encodable {
        var url: String
        var method: String
        var headers: [String: String]?
        var body: String?
        var timeoutMs: Int
    }

    struct RetryPolicyDTO: Encodable {
        var maxRetries: Int
        var initialDelay: Int
        var backoffMultiplier: Double
        var maxDelay: Int
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(job.id, forKey: .id)
        try container.encode(job.name, forKey: .name)
        try container.encodeIfPresent(job.description, forKey: .description)
        try container.encode(
            ScheduleDTO(type: job.schedule.kind.rawValue, expression: job.schedule.expression, timezone: job.schedule.timezone),
            forKey: .schedule)
        try container.encode(
            HTTPConfigDTO(
                url: job.httpConfig.url, method: job.httpConfig.method.rawValue, headers: job.httpConfig.headers,
                body: job.httpConfig.body, timeoutMs: job.httpConfig.timeoutMs),
            forKey: .httpConfig)
        try container.encode(
            RetryPolicyDTO(
                maxRetries: job.retryPolicy.maxRetries, initialDelay: job.retryPolicy.initialDelay,
                backoffMultiplier: job.retryPolicy.backoffMultiplier, maxDelay: job.retryPolicy.maxDelay),
            forKey: .retryPolicy)
        try container.encode(job.status.rawValue, forKey: .status)
        try container.encode(job.tags, forKey: .tags)
        try container.encode(job.createdAt.iso8601Milliseconds, forKey: .createdAt)
        try container.encode(job.updatedAt.iso8601Milliseconds, forKey: .updatedAt)
        if let nextExecutionAt {
            try container.encode(nextExecutionAt.iso8601Milliseconds, forKey: .nextExecutionAt)
        } else {
            try container.encodeNil(forKey: .nextExecutionAt)
        }
    }
}
