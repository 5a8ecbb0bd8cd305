import Hummingbird
import NIOCore
import RunhooksCore
import RunhooksStore

extension ExecutionDTO {
    /// The execution as `JSONEncoder` would write it (sorted keys, absent fields left out),
    /// written by hand: a page of executions is the API's largest frequent answer, and the
    /// encoder cost more than reading the page from the store.
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

extension PageDTO where Item == ExecutionDTO {
    /// `{success, data}` around the page, as `JSONResponse.success` writes it.
    func envelope() -> JSONOutput {
        var output = JSONOutput(capacity: 512 * max(1, data.count))
        output.raw("{\"data\":{\"data\":[")
        for (index, execution) in data.enumerated() {
            if index > 0 { output.raw(",") }
            execution.write(to: &output)
        }
        output.member("],\"limit\":", limit)
        output.member(",\"page\":", page)
        output.member(",\"total\":", total)
        output.member(",\"totalPages\":", totalPages)
        output.raw("},\"success\":true}")
        return output
    }
}

extension JSONResponse {
    static func success(executions page: Page<Execution>) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: PageDTO(page, transform: ExecutionDTO.init).envelope().bytes)))
    }
}
