import Foundation

/// One attempt at delivering a job's request.
public struct Execution: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, running, success, failed, timeout
        case deadLetter = "dead_letter"
        case quotaExceeded = "quota_exceeded"

        /// Whether the attempt has ended.
        public var isFinal: Bool { self != .pending && self != .running }
    }

    public var id: String
    public var jobId: String
    public var userId: String
    public var status: Status
    public var scheduledFor: Date
    public var attempt: Int
    public var startedAt: Date?
    public var completedAt: Date?
    public var durationMs: Int?
    public var httpStatusCode: Int?
    public var responseBody: String?
    public var error: String?
    public var replayOf: String?
    /// When the next attempt is due, for a failed attempt that will be retried.
    public var retryAt: Date?
    /// Slots skipped while the server was down, caught up by this run (first attempt only).
    public var missedSlots: Int
    public var createdAt: Date
    /// Where the attempt's time went; nil until it was sent.
    public var timing: ExecutionTiming?
    /// How late the request left: send time minus the time it was due (the slot, the retry's
    /// time, or the replay's request), in ms; nil until it was sent.
    public var lateMs: Double?

    public init(
        id: String, jobId: String, userId: String, status: Status, scheduledFor: Date, attempt: Int,
        startedAt: Date? = nil, completedAt: Date? = nil, durationMs: Int? = nil, httpStatusCode: Int? = nil,
        responseBody: String? = nil, error: String? = nil, replayOf: String? = nil, retryAt: Date? = nil,
        missedSlots: Int = 0, createdAt: Date, timing: ExecutionTiming? = nil, lateMs: Double? = nil
    ) {
        self.timing = timing
        self.lateMs = lateMs
        self.id = id
        self.jobId = jobId
        self.userId = userId
        self.status = status
        self.scheduledFor = scheduledFor
        self.attempt = attempt
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.durationMs = durationMs
        self.httpStatusCode = httpStatusCode
        self.responseBody = responseBody
        self.error = error
        self.replayOf = replayOf
        self.retryAt = retryAt
        self.missedSlots = missedSlots
        self.createdAt = createdAt
    }
}
