import RunhooksCore

/// An execution as the API shows it; fields without a value are left out.
struct ExecutionDTO: Encodable {
    var id: String
    var jobId: String
    var status: String
    var scheduledFor: String
    var startedAt: String?
    var completedAt: String?
    var durationMs: Int?
    var httpStatusCode: Int?
    var responseBody: String?
    var error: String?
    var attempt: Int
    var replayOf: String?
    var missedSlots: Int?
    var createdAt: String

    init(_ execution: Execution) {
        id = execution.id
        jobId = execution.jobId
        status = execution.status.rawValue
        scheduledFor = execution.scheduledFor.iso8601Milliseconds
        startedAt = execution.startedAt?.iso8601Milliseconds
        completedAt = execution.completedAt?.iso8601Milliseconds
        durationMs = execution.durationMs
        httpStatusCode = execution.httpStatusCode
        responseBody = execution.responseBody
        error = execution.error
        attempt = execution.attempt
        replayOf = execution.replayOf
        missedSlots = execution.missedSlots > 0 ? execution.missedSlots : nil
        createdAt = execution.createdAt.iso8601Milliseconds
    }
}
