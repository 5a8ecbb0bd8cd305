import RunhooksCore

/// An alert configuration as the API shows it.
struct AlertDTO: Encodable {
    var id: String
    var userId: String
    var name: String
    var channel: String
    var target: String
    var jobId: String?
    var consecutiveFailuresThreshold: Int
    var cooldownMinutes: Int
    var enabled: Bool
    var createdAt: String
    var updatedAt: String

    init(_ alert: AlertConfig) {
        id = alert.id
        userId = alert.userId
        name = alert.name
        channel = alert.channel.rawValue
        target = alert.target
        jobId = alert.jobId
        consecutiveFailuresThreshold = alert.consecutiveFailuresThreshold
        cooldownMinutes = alert.cooldownMinutes
        enabled = alert.enabled
        createdAt = alert.createdAt.iso8601Milliseconds
        updatedAt = alert.updatedAt.iso8601Milliseconds
    }
}
