import RunhooksCore

extension ExecutionDTO: HandWrittenJSON {
    /// The execution as `JSONEncoder` would write it (sorted keys, absent fields left out).
    func write(to output: inout JSONOutput) {
        output.member("{\"attempt\":", attempt)
        if let completedAt { output.member(",\"completedAt\":", completedAt) }
        output.member(",\"createdAt\":", createdAt)
        if let durationMs { output.member(",\"durationMs\":", durationMs) }
        if let error { output.member(",\"error\":", error) }
        if let httpStatusCode { output.member(",\"httpStatusCode\":", httpStatusCode) }
        output.member(",\"id\":", id)
        output.member(",\"jobId\":", jobId)
        if let lateMs { output.member(",\"lateMs\":", lateMs) }
        if let missedSlots { output.member(",\"missedSlots\":", missedSlots) }
        if let replayOf { output.member(",\"replayOf\":", replayOf) }
        if let responseBody { output.member(",\"responseBody\":", responseBody) }
        output.member(",\"scheduledFor\":", scheduledFor)
        if let startedAt { output.member(",\"startedAt\":", startedAt) }
        output.member(",\"status\":", status)
        if let timing = timing?.timing {
            output.raw(",\"timing\":{\"connectMs\":")
            output.double(timing.connectMs)
            output.raw(",\"dnsMs\":")
            output.double(timing.dnsMs)
            output.raw(",\"firstByteMs\":")
            output.double(timing.firstByteMs)
            output.raw(",\"tlsMs\":")
            output.double(timing.tlsMs)
            output.member(",\"totalMs\":", timing.totalMs)
            output.raw("}")
        }
        output.raw("}")
    }
}
