import Foundation
import Logging
import RunhooksCore
import RunhooksStore
import RunhooksTestSupport

@testable import RunhooksEngine

/// An engine on a real store in a temporary directory, driven by a manual clock.
struct EngineHarness {
    let directory: URL
    let store: SQLiteStore
    let clock: ManualWallClock
    let context: EngineContext
    let tenants: TenantDirectory
    let engine: DeliveryEngine
    let user: User

    static func make(
        plan: Plan = .growth, allowPrivateTargets: Bool = true, reuse: EngineHarness? = nil,
        metrics: EngineMetrics = EngineMetrics(), smtpPort: Int? = nil, smtpCredentials: String? = nil,
        claimLead: Duration = .zero, ownedShards: [Int] = [0, 1, 2, 3], drainTimeout: Duration = .seconds(5),
        writes: (@Sendable (SQLiteStore) -> any EngineWriteApplying)? = nil, inFlightCapacity: Int = InFlightRuns.defaultCapacity,
        retentionChunk: Int = 1_000
    ) async throws -> EngineHarness {
        let directory = reuse?.directory
            ?? TestScratch.path("runhooks-engine")
        let store = try SQLiteStore(path: directory.appendingPathComponent("runhooks.sqlite").path)
        let clock = reuse?.clock ?? ManualWallClock(Date(milliseconds: 1_736_942_400_000))
        let context = EngineContext(
            store: store, ids: ObjectIDGenerator(), clock: clock, shards: ShardMap(shardCount: 4),
            secretBox: SecretBox(keyMaterial: "engine tests"))
        let tenants = TenantDirectory(context: context)
        var logger = Logger(label: "engine-test")
        logger.logLevel = .warning
        let engine = DeliveryEngine(
            context: context, tenants: tenants, targets: TargetGuard(allowPrivateTargets: allowPrivateTargets),
            ownedShards: ownedShards, logger: logger, metrics: metrics,
            smtp: try smtpPort.map { port in
                let userinfo = smtpCredentials.map { $0 + "\u{40}" } ?? ""
                return try SMTPConfiguration(url: "smtp://\(userinfo)127.0.0.1:\(port)", from: "alerts" + "\u{40}runhooks.test")
            },
            alertRetryDelays: [], drainTimeout: drainTimeout, claimLead: claimLead, writes: writes?(store),
            inFlightCapacity: inFlightCapacity, retentionChunk: retentionChunk)
        var user: User
        if let existing = reuse?.user {
            user = existing
        } else {
            let now = clock.now()
            user = User(
                id: context.ids.next(at: now), email: nil, name: "engine", role: .user, plan: plan, isAnonymous: true,
                apiKeyPrefix: "rh_live_test", createdAt: now, updatedAt: now)
            try await store.insertUser(user, passwordHash: nil, apiKeyHash: UUID().uuidString)
        }
        return EngineHarness(
            directory: directory, store: store, clock: clock, context: context, tenants: tenants, engine: engine, user: user)
    }

    /// Creates a job the way the API does: through the tenant actor, then the engine hook.
    @discardableResult
    func createJob(
        _ url: String, every intervalMs: Int = 60_000, cron: String? = nil, retries: Int = 0, initialDelay: Int = 1000,
        timeoutMs: Int = 5000, method: HTTPConfig.Method = .POST, body: String? = nil
    ) async throws -> Job {
        let schedule = cron.map { Schedule(kind: .cron, expression: $0) } ?? Schedule(kind: .interval, expression: String(intervalMs))
        let spec = JobSpec(
            name: "job", schedule: schedule,
            httpConfig: HTTPConfig(url: url, method: method, headers: ["X-Test": "yes"], body: body, timeoutMs: timeoutMs),
            retryPolicy: RetryPolicy(maxRetries: retries, initialDelay: initialDelay, backoffMultiplier: 2, maxDelay: 60_000))
        return try await tenants.tenant(user.id).createJob(spec, plan: .growth, scheduler: engine)
    }

    /// Records a "run now" of `job` in the store as the API does (with `replaying`, a replay of
    /// that execution), without handing it to the engine.
    @discardableResult
    func recordRunRequest(for job: Job, replaying executionId: String? = nil, at date: Date? = nil) async throws -> ReplayRequest {
        let request = ReplayRequest(
            id: context.ids.next(), userId: job.userId, jobId: job.id, kind: executionId == nil ? .trigger : .replay,
            executionId: executionId, requestedAt: date ?? clock.now())
        try await store.insertReplayRequest(request)
        return request
    }

    /// Creates an alert configuration the way the API does.
    @discardableResult
    func createAlert(
        _ channel: AlertConfig.Channel, target: String, jobId: String? = nil, threshold: Int = 1, cooldownMinutes: Int = 60,
        enabled: Bool = true
    ) async throws -> AlertConfig {
        return try await tenants.tenant(user.id).createAlert(
            AlertSpec(
                name: "\(channel) alert", channel: channel, target: target, jobId: jobId,
                consecutiveFailuresThreshold: threshold, cooldownMinutes: cooldownMinutes, enabled: enabled),
            plan: .growth)
    }

    /// Waits until `total` alert notices (of any alert) have been recorded since the engine
    /// started, then returns those of `alertId`, newest first.
    func waitForDeliveries(_ alertId: String, total: Int) async throws -> [AlertDelivery] {
        _ = await engine.events.waitFor(.alertRecorded, total: total)
        return try await store.listAlertDeliveries(alertId: alertId, userId: user.id, page: PageRequest(limit: 100)).items
    }

    func executions(_ jobId: String) async throws -> [Execution] {
        try await store.listExecutions(userId: user.id, filter: ExecutionFilter(jobId: jobId), page: PageRequest(limit: 100))
            .items.sorted { ($0.scheduledFor, $0.attempt) < ($1.scheduledFor, $1.attempt) }
    }

    /// Waits until `total` attempts have finished since the engine started, then until their
    /// results are committed.
    func waitForAttempts(_ total: Int) async -> Bool {
        let reached = await engine.events.waitFor(.attemptFinished, total: total)
        await engine.waitUntilSettled()
        return reached
    }
}
