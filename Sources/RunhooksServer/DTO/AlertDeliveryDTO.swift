import RunhooksCore

/// One alert notice as `GET /alerts/:id/deliveries` shows it.
struct AlertDeliveryDTO: Encodable {
    var id: String
    var alertId: String
    var jobId: String
    var channel: String
    var notice: String
    var status: String
    var error: String?
    var attempts: Int
    var createdAt: String

    init(_ delivery: AlertDelivery) {
        id = delivery.id
        alertId = delivery.alertId
        jobId = delivery.jobId
        channel = delivery.channel.rawValue
        notice = delivery.notice.rawValue
        status = delivery.status.rawValue
        error = delivery.error
        attempts = delivery.attempts
        createdAt = delivery.createdAt.iso8601Milliseconds
    }
}
