import Foundation
import RunhooksCore
import RunhooksStore

/// The single writer of one tenant's quota-bound state. Creating a job or an alert goes
/// through here, so two concurrent requests can never both take the last free slot.
public actor TenantActor {
    public nonisolated let userId: String
    public nonisolated let shard: Int
    let context: EngineContext
    let jobs: JobCache
    /// Counts loaded from the store on first use, then kept here: each create reserves its
    /// slot before the store write, so interleaved requests cannot both take the last one.
    private var jobCount: Int?
    private var alertCount: Int?
    /// Runs counted today and this month (UTC), keyed by the period they belong to.
    /// Runs counted in the current UTC day and month (periods as `RunPeriods` numbers them).
    var dailyRuns: (period: Int, count: Int)?
    var monthlyRuns: (period: Int, count: Int)?
    /// Slots held (by requests in flight or claimed for a moment soon) and the runs waiting
    /// for one.
    var inFlight = 0
    var slotWaiters = SlotWaiters()
    /// The tenant's plan as last read, so a fire does not cost a store read; refreshed after
    /// `planRefreshInterval`, which is how an admin's plan change reaches a running engine.
    var cachedPlan: (plan: Plan, readAt: Date)?
    /// Those waiting for the plan read in progress (nil: none is): one store read serves every
    /// attempt that finds the plan expired meanwhile. Without it, a saturated node read the
    /// plan once per attempt of a busy tenant while the reads themselves slowed down.
    private var planReadWaiters: [CheckedContinuation<Plan?, any Error>]?
    /// Moves whenever the cached state is dropped, so a read that started before is not kept.
    private var cacheGeneration = 0
    /// The tenant's alert configurations and per (alert, job) state, loaded on first need.
    var alertConfigs: [AlertConfig]?
    var alertStates: [AlertStateKey: AlertState]?
    static let planRefreshInterval: TimeInterval = 5
    /// Whether a write (create, update, delete) is running; the others wait their turn, so
    /// each is one read-merge-write even though the actor is re-entered at every await.
    private var writing = false
    private var writersWaiting: [CheckedContinuation<Void, Never>] = []

    init(userId: String, shard: Int, context: EngineContext, jobs: JobCache) {
        self.userId = userId
        self.shard = shard
        self.context = context
        self.jobs = jobs
    }

    /// Stores a new job if the plan allows another one, then puts it on its shard's wheel.
    public func createJob(_ spec: JobSpec, plan: Plan, scheduler: (any JobScheduling)? = nil) async throws -> Job {
        try await exclusively {
            try spec.checkPlan(plan)
            let limits = plan.limits
            let count = try await loadedJobCount()
            guard count < limits.maxJobs else {
                throw PlanLimitError(
                    "Job limit reached: the \(plan.rawValue) plan allows \(limits.maxJobs) job\(limits.maxJobs == 1 ? "" : "s") (maxJobs). Delete a job or upgrade your plan.")
            }
            let now = context.clock.now()
            let job = Job(
                id: context.ids.next(at: now), userId: userId, name: spec.name, description: spec.description,
                schedule: spec.schedule, httpConfig: spec.httpConfig, retryPolicy: spec.retryPolicy, status: spec.status,
                tags: spec.tags, createdAt: now, updatedAt: now, anchorAt: now)
            try await jobs.whileChanging(id: job.id, shard: shard) { try await context.store.insertJob(job, shard: shard) }
            jobs.changed(id: job.id, to: job, shard: shard)
            jobCount = count + 1
            await scheduler?.jobSaved(job)
            return job
        }
    }

    /// Changes a job in one serialized step: reads it, merges the change (`merge` validates it
    /// against the job as stored now), writes it if nobody changed it meanwhile, then tells the
    /// wheel. Resuming a paused job, or a new schedule, re-anchors its interval. Returns nil
    /// when the job is not the tenant's; throws `WriteConflictError` when another node changed
    /// it between the read and the write.
    public func updateJob(
        id: String, plan: Plan, scheduler: (any JobScheduling)? = nil,
        merge: @Sendable (Job) async throws -> JobSpec
    ) async throws -> Job? {
        try await exclusively {
            guard let job = try await context.store.job(id: id, userId: userId) else { return nil }
            let spec = try await merge(job)
            try spec.checkPlan(plan)
            let updated = job.applying(spec, at: context.clock.now())
            let written = try await jobs.whileChanging(id: id, shard: shard) {
                try await context.store.updateJob(updated, expectedUpdatedAt: job.updatedAt)
            }
            guard written else {
                jobs.changed(id: id, to: nil, shard: shard)
                guard try await context.store.job(id: id, userId: userId) != nil else { return nil }
                throw WriteConflictError("The job was changed by another request while this one was applied; read it again and retry")
            }
            jobs.changed(id: id, to: updated, shard: shard)
            await scheduler?.jobSaved(updated)
            return updated
        }
    }

    /// Deletes a job, frees its slot and takes it off the wheel. Returns false when the job is
    /// not the tenant's.
    public func deleteJob(id: String, scheduler: (any JobScheduling)? = nil) async throws -> Bool {
        try await exclusively {
            let deleted = try await jobs.whileChanging(id: id, shard: shard) {
                try await context.store.deleteJob(id: id, userId: userId)
            }
            jobs.changed(id: id, to: nil, shard: shard)
            guard deleted else { return false }
            if let current = jobCount { jobCount = current - 1 }
            alertCount = nil  // alerts scoped to the job went with it; recount on next use
            alertConfigs = nil
            await scheduler?.jobDeleted(id: id, userId: userId)
            return true
        }
    }

    /// Stores a new alert configuration if the plan allows another one.
    public func createAlert(_ spec: AlertSpec, plan: Plan) async throws -> AlertConfig {
        try await exclusively {
            let limits = plan.limits
            let count = try await loadedAlertCount()
            guard count < limits.maxAlertConfigs else {
                throw PlanLimitError(
                    "Alert limit reached: the \(plan.rawValue) plan allows \(limits.maxAlertConfigs) alert configuration\(limits.maxAlertConfigs == 1 ? "" : "s") (maxAlertConfigs). Delete one or upgrade your plan.")
            }
            let now = context.clock.now()
            let alert = AlertConfig(
                id: context.ids.next(at: now), userId: userId, name: spec.name, channel: spec.channel, target: spec.target,
                jobId: spec.jobId, consecutiveFailuresThreshold: spec.consecutiveFailuresThreshold,
                cooldownMinutes: spec.cooldownMinutes, enabled: spec.enabled, createdAt: now, updatedAt: now)
            try await context.store.insertAlert(alert)
            alertCount = count + 1
            alertConfigs = nil
            return alert
        }
    }

    /// Changes an alert configuration in one serialized step, as `updateJob` does.
    public func updateAlert(id: String, merge: @Sendable (AlertConfig) async throws -> AlertSpec) async throws -> AlertConfig? {
        try await exclusively {
            guard let alert = try await context.store.alert(id: id, userId: userId) else { return nil }
            let spec = try await merge(alert)
            let updated = alert.applying(spec, at: context.clock.now())
            guard try await context.store.updateAlert(updated, expectedUpdatedAt: alert.updatedAt) else {
                guard try await context.store.alert(id: id, userId: userId) != nil else { return nil }
                throw WriteConflictError(
                    "The alert config was changed by another request while this one was applied; read it again and retry")
            }
            alertConfigs = nil
            return updated
        }
    }

    /// Deletes an alert configuration and frees its slot.
    public func deleteAlert(id: String) async throws -> Bool {
        try await exclusively {
            let deleted = try await context.store.deleteAlert(id: id, userId: userId)
            if deleted, let current = alertCount { alertCount = current - 1 }
            if deleted { alertConfigs = nil }
            return deleted
        }
    }

    private func loadedJobCount() async throws -> Int {
        if let jobCount { return jobCount }
        let stored = try await context.store.countJobs(userId: userId)
        if jobCount == nil { jobCount = stored }  // another call may have loaded it meanwhile
        return jobCount ?? stored
    }

    private func loadedAlertCount() async throws -> Int {
        if let alertCount { return alertCount }
        let stored = try await context.store.countAlerts(userId: userId)
        if alertCount == nil { alertCount = stored }
        return alertCount ?? stored
    }

    /// Runs `body` as the tenant's only write in progress, in arrival order.
    private func exclusively<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        if writing {
            await withCheckedContinuation { writersWaiting.append($0) }  // the turn is handed over
        } else {
            writing = true
        }
        defer {
            if writersWaiting.isEmpty { writing = false } else { writersWaiting.removeFirst().resume() }
        }
        return try await body()
    }

    /// Drops every count and cache read from the store (not the concurrency slots in use).
    func forgetCachedState() {
        cacheGeneration += 1
        jobCount = nil
        alertCount = nil
        dailyRuns = nil
        monthlyRuns = nil
        cachedPlan = nil
        alertConfigs = nil
        alertStates = nil
    }

    /// The tenant's plan, read from the store at most every few seconds.
    public func currentPlan() async throws -> Plan? {
        let now = context.clock.now()
        if let cachedPlan, now.timeIntervalSince(cachedPlan.readAt) < Self.planRefreshInterval { return cachedPlan.plan }
        if planReadWaiters != nil {
            return try await withCheckedThrowingContinuation { planReadWaiters?.append($0) }
        }
        planReadWaiters = []
        let generation = cacheGeneration
        let read: Result<Plan?, any Error>
        do {
            read = .success(try await context.store.user(id: userId)?.plan)
        } catch {
            read = .failure(error)
        }
        if case .success(let plan?) = read, generation == cacheGeneration { cachedPlan = (plan, now) }
        // A store that fails the refresh (PostgreSQL restarting, a connection lost) leaves the
        // plan as last read in force; its age is kept, so the next attempt reads again.
        let answer = read.flatMapError { error in cachedPlan.map { .success($0.plan) } ?? .failure(error) }
        let waiters = planReadWaiters ?? []
        planReadWaiters = nil
        for waiter in waiters { waiter.resume(with: answer) }
        return try answer.get()
    }

    /// The tenant's current consumption of each quota.
    public func usage(plan: Plan) async throws -> TenantUsage {
        let now = context.clock.now()
        async let jobs = context.store.countJobs(userId: userId)
        async let alerts = context.store.countAlerts(userId: userId)
        async let runs = context.store.runCounts(userId: userId, at: now)
        return TenantUsage(
            plan: plan, jobs: try await jobs, alertConfigs: try await alerts, runs: try await runs, at: now)
    }
}

public struct TenantUsage: Sendable, Equatable {
    public var plan: Plan
    public var jobs: Int
    public var alertConfigs: Int
    public var runs: RunCounts
    public var at: Date
}
