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
    var timing: TimingDTO?
    var lateMs: Double?

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
        timing = execution.timing.map(TimingDTO.init)
        lateMs = execution.lateMs
    }
}

/// `timing` of an execution: every phase present, `null` where it did not happen.
struct TimingDTO: Encodable {
    var timing: ExecutionTiming

    init(_ timing: ExecutionTiming) {
        self.timing = timing
    }

    enum CodingKeys: String, CodingKey {
        case dnsMs, connectMs, tlsMs, firstByteMs, totalMs
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(timing.dnsMs, forKey: .dnsMs)
        try container.encode(timing.connectMs, forKey: .connectMs)
        try container.encode(timing.tlsMs, forKey: .tlsMs)
        try container.encode(timing.firstByteMs, forKey: .firstByteMs)
        try container.encode(timing.totalMs, forKey: .totalMs)
    }
}
