import Hummingbird
import RunhooksCore
import RunhooksStore

/// `/jobs`: scheduled HTTP requests.
struct JobsController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<RunhooksRequestContext>) {
        let jobs = group.group("jobs").add(middleware: AuthMiddleware(auth: services.auth, gateway: services.gateway))
        jobs.addIf(
            services.rateLimitsEnabled,
            RateLimitMiddleware(services.limiter, policy: .jobWrites, key: .user) { $0.method != .get && $0.method != .head })
        jobs.add(middleware: services.idempotency)
        jobs.post(use: create)
        jobs.get(use: list)
        jobs.get(":id", use: get)
        jobs.patch(":id", use: update)
        jobs.put(":id", use: update)
        jobs.delete(":id", use: delete)
        jobs.get(":id/executions", use: executions)
        jobs.post(":id/trigger", use: trigger)
    }

    @Sendable func create(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let spec = try JobSpec(validating: try await APIRequestBody.json(request, context: context), rules: services.jobRules)
        try spec.checkPlan(user.plan)
        try await services.targets.check(spec.httpConfig.url, field: "httpConfig.url")
        let job = try await services.tenantForChange(user).createJob(spec, plan: user.plan, scheduler: services.engine)
        return JSONResponse.success(
            .created, job: JobDTO(job, now: services.clock.now()), message: "Job created successfully")
    }

    @Sendable func list(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let query = try QueryReader(request, accepting: QueryReader.paging + ["status", "tag", "name"])
        let page = try query.page()
        let filter = JobFilter(
            status: try query.enumeration("status", Job.Status.self),
            tag: try query.string("tag", maxLength: JobRules.maxTagLength),
            namePattern: try query.string("name", maxLength: 100))
        if let pattern = filter.namePattern { try NamePattern.validate(pattern, field: "name") }
        let result = try await services.store.listJobs(userId: user.id, filter: filter, page: page)
        let now = services.clock.now()
        return JSONResponse.success(page: PageDTO(result) { JobDTO($0, now: now) })
    }

    @Sendable func get(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let job = try await ownedJob(context)
        return JSONResponse.success(job: JobDTO(job, now: services.clock.now()))
    }

    /// PATCH and PUT: the change is merged into the job as stored at the moment it is applied
    /// (the tenant's writes run one at a time), so concurrent changes of different fields all
    /// land; a change that loses a race with another node answers 409.
    @Sendable func update(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.objectID()
        let patch = try await APIRequestBody.json(request, context: context)
        let rules = services.jobRules
        let targets = services.targets
        let updated = try await services.tenantForChange(user).updateJob(id: id, plan: user.plan, scheduler: services.engine) {
            job in
            let spec = try JobSpec(merging: patch, into: job, rules: rules)
            if spec.httpConfig.url != job.httpConfig.url {
                try await targets.check(spec.httpConfig.url, field: "httpConfig.url")
            }
            return spec
        }
        guard let updated else { throw APIError.notFound("Job") }
        return JSONResponse.success(job: JobDTO(updated, now: services.clock.now()), message: "Job updated successfully")
    }

    @Sendable func delete(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.objectID()
        guard try await services.tenantForChange(user).deleteJob(id: id, scheduler: services.engine) else {
            throw APIError.notFound("Job")
        }
        return JSONResponse.message("Job deleted successfully")
    }

    @Sendable func executions(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let job = try await ownedJob(context)
        let query = try QueryReader(request, accepting: QueryReader.paging + ["status"])
        let page = try query.page()
        let filter = ExecutionFilter(status: try query.enumeration("status", Execution.Status.self), jobId: job.id)
        let result = try await services.store.listExecutions(userId: user.id, filter: filter, page: page)
        return JSONResponse.success(page: PageDTO(result, transform: ExecutionDTO.init))
    }

    /// "Run now": records the request durably, then the engine fires it as a new run, recorded
    /// under the execution id the answer gives.
    @Sendable func trigger(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let job = try await ownedJob(context)
        try await services.requireShardHere(user)
        let now = services.clock.now()
        let runRequest = ReplayRequest(
            id: services.ids.next(at: now), userId: user.id, jobId: job.id, kind: .trigger, executionId: nil,
            requestedAt: now)
        try await services.store.insertReplayRequest(runRequest)
        await services.engine?.runRequested(runRequest)
        return JSONResponse.success(.accepted, data: RunRequestDTO(runRequest), message: "Job run enqueued")
    }

    private func ownedJob(_ context: RunhooksRequestContext) async throws -> Job {
        let user = try context.requireUser()
        let id = try context.parameters.objectID()
        guard let job = try await services.job(id: id, of: user) else { throw APIError.notFound("Job") }
        return job
    }
}
