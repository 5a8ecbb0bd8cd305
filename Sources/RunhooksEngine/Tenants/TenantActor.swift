import Foundation
import RunhooksCore
import RunhooksStore

/// The single writer of one tenant's quota-bound state. Creating a job or an alert goes
/// through here, so two concurrent requests can never both take the last free slot.
public actor TenantActor {
    public nonisolated let userId: String
    public nonisolated let shard: Int
    let context: EngineContext
    /// Counts loaded from the store on first use, then kept here: each create reserves its
    /// slot before the store write, so interleaved requests cannot both take the last one.
    private var jobCount: Int?
    private var alertCount: Int?
    /// Runs counted today and this month (UTC), keyed by the period they belong to.
    var dailyRuns: (period: String, count: Int)?
    var monthlyRuns: (period: String, count: Int)?
    /// Requests in flight and the runs waiting for a slot, first come first served.
    var inFlight = 0
    var slotWaiters: [CheckedContinuation<Void, Never>] = []
    /// The tenant's plan as last read, so a fire does not cost a store read; refreshed after
    /// `planRefreshInterval`, which is how an admin's plan change reaches a running engine.
    var cachedPlan: (plan: Plan, readAt: Date)?
    /// The tenant's alert configurations and per (alert, job) state, loaded on first need.
    var alertConfigs: [AlertConfig]?
    var alertStates: [String: AlertState]?
    static let planRefreshInterval: TimeInterval = 5

    init(userId: String, shard: Int, context: EngineContext) {
        self.userId = userId
        self.shard = shard
        self.context = context
    }

    /// Stores a new job if the plan allows another one.
    public func createJob(_ spec: JobSpec, plan: Plan) async throws -> Job {
        try spec.checkPlan(plan)
        let limits = plan.limits
        let count = try await loadedJobCount()
        guard count < limits.maxJobs else {
            throw PlanLimitError(
                "Job limit reached: the \(plan.rawValue) plan allows \(limits.maxJobs) jobs (maxJobs). Delete a job or upgrade your plan.")
        }
        let now = context.clock.now()
        let job = Job(
            id: context.ids.next(at: now), userId: userId, name: spec.name, description: spec.description,
            schedule: spec.schedule, httpConfig: spec.httpConfig, retryPolicy: spec.retryPolicy, status: spec.status,
            tags: spec.tags, createdAt: now, updatedAt: now, anchorAt: now)
        jobCount = count + 1
        do {
            try await context.store.insertJob(job, shard: shard)
        } catch {
            if let current = jobCount { jobCount = current - 1 }
            throw error
        }
        return job
    }

    /// Applies a validated change to a job. Resuming a paused job re-anchors its interval.
    public func updateJob(_ job: Job, with spec: JobSpec, plan: Plan) async throws -> Job? {
        try spec.checkPlan(plan)
        let now = context.clock.now()
        var updated = job
        updated.name = spec.name
        updated.description = spec.description
        updated.httpConfig = spec.httpConfig
        updated.retryPolicy = spec.retryPolicy
        updated.tags = spec.tags
        if spec.schedule != job.schedule || (spec.status == .active && job.status != .active) {
            updated.anchorAt = now
        }
        updated.schedule = spec.schedule
        updated.status = spec.status
        updated.updatedAt = now
        return try await context.store.updateJob(updated) ? updated : nil
    }

    /// Stores a new alert configuration if the plan allows another one.
    public func createAlert(_ spec: AlertSpec, plan: Plan) async throws -> AlertConfig {
        let limits = plan.limits
        let count = try await loadedAlertCount()
        guard count < limits.maxAlertConfigs else {
            throw PlanLimitError(
                "Alert limit reached: the \(plan.rawValue) plan allows \(limits.maxAlertConfigs) alert configs (maxAlertConfigs). Delete one or upgrade your plan.")
        }
        let now = context.clock.now()
        let alert = AlertConfig(
            id: context.ids.next(at: now), userId: userId, name: spec.name, channel: spec.channel, target: spec.target,
            jobId: spec.jobId, consecutiveFailuresThreshold: spec.consecutiveFailuresThreshold,
            cooldownMinutes: spec.cooldownMinutes, enabled: spec.enabled, createdAt: now, updatedAt: now)
        alertCount = count + 1
        do {
            try await context.store.insertAlert(alert)
        } catch {
            if let current = alertCount { alertCount = current - 1 }
            throw error
        }
        return alert
    }

    /// Deletes a job and frees its slot. Returns false when the job is not the tenant's.
    public func deleteJob(id: String) async throws -> Bool {
        let deleted = try await context.store.deleteJob(id: id, userId: userId)
        if deleted {
            if let current = jobCount { jobCount = current - 1 }
            alertCount = nil  // alerts scoped to the job went with it; recount on next use
        }
        return deleted
    }

    /// Deletes an alert configuration and frees its slot.
    public func deleteAlert(id: String) async throws -> Bool {
        let deleted = try await context.store.deleteAlert(id: id, userId: userId)
        if deleted, let current = alertCount { alertCount = current - 1 }
        return deleted
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

    /// The tenant's plan, read from the store at most every few seconds.
    public func currentPlan() async throws -> Plan? {
        let now = context.clock.now()
        if let cachedPlan, now.timeIntervalSince(cachedPlan.readAt) < Self.planRefreshInterval { return cachedPlan.plan }
        guard let user = try await context.store.user(id: userId) else { return nil }
        cachedPlan = (user.plan, now)
        return user.plan
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
