import Hummingbird
import NIOCore
import RunhooksCore

extension JobDTO {
    /// The job as `JSONEncoder` would write it (sorted keys), written by hand: one job is the
    /// API's most frequent answer, and the encoder cost more than the rest of the request.
    func write(to output: inout JSONOutput) {
        output.raw("{\"createdAt\":")
        output.string(job.createdAt.iso8601Milliseconds)
        if let description = job.description {
            output.raw(",\"description\":")
            output.string(description)
        }
        output.raw(",\"httpConfig\":{")
        let http = job.httpConfig
        var needsComma = false
        if let body = http.body {
            output.raw("\"body\":")
            output.string(body)
            needsComma = true
        }
        if let headers = http.headers {
            if needsComma { output.raw(",") }
            output.raw("\"headers\":")
            output.stringMap(headers)
            needsComma = true
        }
        if needsComma { output.raw(",") }
        output.raw("\"method\":")
        output.string(http.method.rawValue)
        output.raw(",\"timeoutMs\":")
        output.int(http.timeoutMs)
        output.raw(",\"url\":")
        output.string(http.url)
        output.raw("},\"id\":")
        output.string(job.id)
        output.raw(",\"name\":")
        output.string(job.name)
        output.raw(",\"nextExecutionAt\":")
        output.string(nextExecutionAt?.iso8601Milliseconds)
        let retry = job.retryPolicy
        output.raw(",\"retryPolicy\":{\"backoffMultiplier\":")
        output.double(retry.backoffMultiplier)
        output.raw(",\"initialDelay\":")
        output.int(retry.initialDelay)
        output.raw(",\"maxDelay\":")
        output.int(retry.maxDelay)
        output.raw(",\"maxRetries\":")
        output.int(retry.maxRetries)
        output.raw("},\"schedule\":{\"expression\":")
        output.string(job.schedule.expression)
        if let timezone = job.schedule.timezone {
            output.raw(",\"timezone\":")
            output.string(timezone)
        }
        output.raw(",\"type\":")
        output.string(job.schedule.kind.rawValue)
        output.raw("},\"status\":")
        output.string(job.status.rawValue)
        output.raw(",\"tags\":")
        output.strings(job.tags)
        output.raw(",\"updatedAt\":")
        output.string(job.updatedAt.iso8601Milliseconds)
        output.raw("}")
    }

    /// `{success, data, message}` around the job, as `JSONResponse.success` writes it.
    func envelope(message: String? = nil) -> JSONOutput {
        var output = JSONOutput()
        output.raw("{\"data\":")
        write(to: &output)
        if let message {
            output.raw(",\"message\":")
            output.string(message)
        }
        output.raw(",\"success\":true}")
        return output
    }
}

extension JSONResponse {
    static func success(_ status: HTTPResponse.Status = .ok, job: JobDTO, message: String? = nil) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: job.envelope(message: message).bytes)))
    }
}
