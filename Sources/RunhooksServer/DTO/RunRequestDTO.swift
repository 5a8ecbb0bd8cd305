import RunhooksCore
import RunhooksStore

/// The answer to a "run now" or a replay: the execution the run will be recorded as, to follow
/// with `GET /executions/:id` (404 until the run starts, which is at once unless the tenant's
/// concurrency or the store holds it).
struct RunRequestDTO: Encodable {
    var executionId: String
    var jobId: String
    var replayOf: String?
    var requestedAt: String

    init(_ request: ReplayRequest) {
        executionId = request.id
        jobId = request.jobId
        replayOf = request.executionId
        requestedAt = request.requestedAt.iso8601Milliseconds
    }
}
