import Foundation

/// A scheduled HTTP request owned by one user.
public struct Job: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case active, paused, completed, failed
    }

    public var id: String
    public var userId: String
    public var name: String
    public var description: String?
    public var schedule: Schedule
    public var httpConfig: HTTPConfig
    public var retryPolicy: RetryPolicy
    public var status: Status
    public var tags: [String]
    public var createdAt: Date
    public var updatedAt: Date
    /// Where interval schedules count from: creation, or the last resume.
    public var anchorAt: Date

    public init(
        id: String, userId: String, name: String, description: String?, schedule: Schedule,
        httpConfig: HTTPConfig, retryPolicy: RetryPolicy, status: Status, tags: [String],
        createdAt: Date, updatedAt: Date, anchorAt: Date
    ) {
        self.id = id
        self.userId = userId
        self.name = name
        self.description = description
        self.schedule = schedule
        self.httpConfig = httpConfig
        self.retryPolicy = retryPolicy
        self.status = status
        self.tags = tags
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.anchorAt = anchorAt
    }

    /// The job without the fields only the API shows (description, tags): what a shard keeps
    /// in memory for each of possibly a million jobs. The name stays: alerts quote it.
    public var forDelivery: Job {
        var job = self
        job.description = nil
        job.tags = []
        return job
    }

    /// The next fire after `now`, or nil when the job does not fire (paused, finished).
    public func nextExecution(after now: Date) -> Date? {
        guard status == .active else { return nil }
        return schedule.nextFire(after: now, anchor: anchorAt)
    }
}
