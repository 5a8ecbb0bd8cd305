import Hummingbird
import RunhooksCore
import RunhooksStore

/// `/executions`: the history of attempts, and replays.
struct ExecutionsController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<RunhooksRequestContext>) {
        let executions = group.group("executions").add(middleware: AuthMiddleware(auth: services.auth, gateway: services.gateway))
        executions.get(use: list)
        executions.get(":id", use: show)
        executions.group(":id/replay")
            .addIf(services.rateLimitsEnabled, RateLimitMiddleware(services.limiter, policy: .replay, key: .user))
            .add(middleware: services.idempotency)
            .post(use: replay)
    }

    @Sendable func list(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let query = try QueryReader(request, accepting: QueryReader.paging + ["status", "jobId"])
        let page = try query.page()
        var filter = ExecutionFilter(status: try query.enumeration("status", Execution.Status.self))
        if let jobId = query.parameters["jobId"] {
            guard ObjectIDGenerator.isValid(jobId) else {
                throw ValidationError(field: "jobId", "must be a 24-character hexadecimal id")
            }
            guard try await services.store.job(id: jobId, userId: user.id) != nil else { throw APIError.notFound("Job") }
            filter.jobId = jobId
        }
        let result = try await services.store.listExecutions(userId: user.id, filter: filter, page: page)
        return JSONResponse.success(page: PageDTO(result, transform: ExecutionDTO.init))
    }

    /// One execution of the caller's, by id.
    @Sendable func show(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.objectID()
        guard let execution = try await services.store.execution(id: id, userId: user.id) else {
            throw APIError.notFound("Execution")
        }
        return JSONResponse.success(data: ExecutionDTO(execution))
    }

    /// Records the replay durably and answers 202 with the execution id the new run will have;
    /// the engine fires it.
    @Sendable func replay(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.objectID()
        guard let execution = try await services.store.execution(id: id, userId: user.id) else {
            throw APIError.notFound("Execution")
        }
        try await services.requireShardHere(user)
        let now = services.clock.now()
        let replay = ReplayRequest(
            id: services.ids.next(at: now), userId: user.id, jobId: execution.jobId, kind: .replay,
            executionId: execution.id, requestedAt: now)
        try await services.store.insertReplayRequest(replay)
        await services.engine?.runRequested(replay)
        return JSONResponse.success(.accepted, data: RunRequestDTO(replay), message: "Execution replay enqueued")
    }
}
