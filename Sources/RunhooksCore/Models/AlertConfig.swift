import Foundation

/// Where and when a user is told about failing jobs.
public struct AlertConfig: Sendable, Equatable {
    public enum Channel: String, Sendable, CaseIterable {
        case email, webhook, slack
    }

    public var id: String
    public var userId: String
    public var name: String
    public var channel: Channel
    public var target: String
    public var jobId: String?
    public var consecutiveFailuresThreshold: Int
    public var cooldownMinutes: Int
    public var enabled: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, userId: String, name: String, channel: Channel, target: String, jobId: String?,
        consecutiveFailuresThreshold: Int, cooldownMinutes: Int, enabled: Bool, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.userId = userId
        self.name = name
        self.channel = channel
        self.target = target
        self.jobId = jobId
        self.consecutiveFailuresThreshold = consecutiveFailuresThreshold
        self.cooldownMinutes = cooldownMinutes
        self.enabled = enabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
