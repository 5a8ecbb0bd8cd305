import Foundation

/// What an alert remembers about one job: the failed runs in a row, when it last fired, and
/// whether the job is in an alerted state (so its recovery gets one notice).
public struct AlertState: Sendable, Equatable {
    public var consecutiveFailures: Int
    public var lastFiredAt: Date?
    public var alerting: Bool

    public init(consecutiveFailures: Int = 0, lastFiredAt: Date? = nil, alerting: Bool = false) {
        self.consecutiveFailures = consecutiveFailures
        self.lastFiredAt = lastFiredAt
        self.alerting = alerting
    }

    public enum Notice: String, Sendable, Equatable {
        case failure, recovery
    }

    /// Folds one finished run into the state; returns the notice to send, if any. The alert
    /// fires when the failures in a row reach the threshold and the cooldown since it last
    /// fired for this job has passed; a success resets the count and, after an alert, sends
    /// one recovery notice.
    public mutating func record(runSucceeded: Bool, threshold: Int, cooldownMinutes: Int, at now: Date) -> Notice? {
        if runSucceeded {
            consecutiveFailures = 0
            guard alerting else { return nil }
            alerting = false
            return .recovery
        }
        consecutiveFailures += 1
        guard consecutiveFailures >= threshold else { return nil }
        if let lastFiredAt, now.timeIntervalSince(lastFiredAt) < TimeInterval(cooldownMinutes * 60) { return nil }
        lastFiredAt = now
        alerting = true
        return .failure
    }
}

/// One attempt to notify someone, as `GET /alerts/:id/deliveries` lists it.
public struct AlertDelivery: Sendable, Equatable {
    public enum Status: String, Sendable {
        case sent, failed
    }

    public var id: String
    public var alertId: String
    public var userId: String
    public var jobId: String
    public var channel: AlertConfig.Channel
    public var notice: AlertState.Notice
    public var status: Status
    public var error: String?
    public var attempts: Int
    public var createdAt: Date

    public init(
        id: String, alertId: String, userId: String, jobId: String, channel: AlertConfig.Channel,
        notice: AlertState.Notice, status: Status, error: String?, attempts: Int, createdAt: Date
    ) {
        self.id = id
        self.alertId = alertId
        self.userId = userId
        self.jobId = jobId
        self.channel = channel
        self.notice = notice
        self.status = status
        self.error = error
        self.attempts = attempts
        self.createdAt = createdAt
    }
}
