import Hummingbird
import RunhooksCore

extension JobDTO: HandWrittenJSON {
    /// The job as `JSONEncoder` would write it (sorted keys), written by hand: one job is the
    /// API's most frequent answer, and the encoder cost more than the rest of the request.
    func write(to output: inout JSONOutput) {
        output.member("{\"createdAt\":", job.createdAt.iso8601Milliseconds)
        if let description = job.description { output.member(",\"description\":", description) }
        let http = job.httpConfig
        output.raw(",\"httpConfig\":{")
        if let body = http.body { output.member("\"body\":", body) }
        if let headers = http.headers {
            output.raw(http.body == nil ? "\"headers\":" : ",\"headers\":")
            output.stringMap(headers)
        }
        output.raw(http.body == nil && http.headers == nil ? "" : ",")
        output.member("\"method\":", http.method.rawValue)
        output.member(",\"timeoutMs\":", http.timeoutMs)
        output.member(",\"url\":", http.url)
        output.member("},\"id\":", job.id)
        output.member(",\"name\":", job.name)
        output.member(",\"nextExecutionAt\":", nextExecutionAt?.iso8601Milliseconds)
        let retry = job.retryPolicy
        output.member(",\"retryPolicy\":{\"backoffMultiplier\":", retry.backoffMultiplier)
        output.member(",\"initialDelay\":", retry.initialDelay)
        output.member(",\"maxDelay\":", retry.maxDelay)
        output.member(",\"maxRetries\":", retry.maxRetries)
        output.member("},\"schedule\":{\"expression\":", job.schedule.expression)
        if let timezone = job.schedule.timezone { output.member(",\"timezone\":", timezone) }
        output.member(",\"type\":", job.schedule.kind.rawValue)
        output.member("},\"status\":", job.status.rawValue)
        output.raw(",\"tags\":")
        output.strings(job.tags)
        output.member(",\"updatedAt\":", job.updatedAt.iso8601Milliseconds)
        output.raw("}")
    }

    /// `{success, data, message}` around the job, as `JSONResponse.success` writes it.
    func envelope(message: String? = nil) -> JSONOutput {
        var output = JSONOutput()
        output.raw("{\"data\":")
        write(to: &output)
        if let message { output.member(",\"message\":", message) }
        output.raw(",\"success\":true}")
        return output
    }
}

extension JSONResponse {
    static func success(_ status: HTTPResponse.Status = .ok, job: JobDTO, message: String? = nil) -> Response {
        written(job.envelope(message: message), status: status)
    }
}
