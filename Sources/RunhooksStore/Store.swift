import Foundation
import RunhooksCore

/// Everything durable. Every method that touches a user's data takes the user id and
/// scopes its query by it, so one tenant can never read or change another's rows.
public protocol Store: EngineWriteApplying {
    /// The shard count recorded when the store was created; records `proposed` the first time.
    func shardCount(proposing proposed: Int) async throws -> Int
    /// A value every node of the store shares (say, the token signing secret): the stored one,
    /// or `proposed` when there is none yet.
    func sharedSetting(_ key: String, proposing proposed: String) async throws -> String
    /// Round-trips to the database and returns the latency in milliseconds.
    func ping() async throws -> Double

    // Users and credentials
    func insertUser(_ user: User, passwordHash: String?, apiKeyHash: String) async throws
    func user(id: String) async throws -> User?
    func userWithPassword(email: String) async throws -> (user: User, passwordHash: String?)?
    func user(apiKeyHash: String) async throws -> User?
    func replaceAPIKey(userId: String, hash: String, prefix: String, at: Date) async throws -> Bool
    func setPlan(_ plan: Plan, forUser idOrEmail: String, at: Date) async throws -> User?
    func setRole(_ role: User.Role, forUser idOrEmail: String, at: Date) async throws -> User?

    // Refresh tokens (rotation and reuse detection)
    func insertRefreshToken(_ token: RefreshTokenRecord) async throws
    func consumeRefreshToken(id: String, at: Date) async throws -> RefreshTokenUse
    func revokeRefreshTokenFamily(_ family: String) async throws

    // Jobs
    func insertJob(_ job: Job, shard: Int) async throws
    func countJobs(userId: String) async throws -> Int
    func job(id: String, userId: String) async throws -> Job?
    func listJobs(userId: String, filter: JobFilter, page: PageRequest) async throws -> Page<Job>
    /// Writes `job` if its stored `updatedAt` is still `expectedUpdatedAt` (compare-and-set);
    /// false when the job is gone or was changed meanwhile.
    func updateJob(_ job: Job, expectedUpdatedAt: Date) async throws -> Bool
    func deleteJob(id: String, userId: String) async throws -> Bool

    // Executions
    func insertExecution(_ execution: Execution) async throws
    func execution(id: String, userId: String) async throws -> Execution?
    func listExecutions(userId: String, filter: ExecutionFilter, page: PageRequest) async throws -> Page<Execution>
    func insertReplayRequest(_ request: ReplayRequest) async throws
    /// Replay requests not yet handled, oldest first.
    func pendingReplayRequests(limit: Int) async throws -> [ReplayRequest]

    // Delivery engine
    /// The active jobs of one shard.
    func activeJobs(shard: Int) async throws -> [ScheduledJob]
    /// Attempts of one shard left pending or running (by a crash).
    func unfinishedExecutions(shard: Int) async throws -> [Execution]
    /// Failed attempts of one shard whose retry has not been claimed yet.
    func dueRetries(shard: Int) async throws -> [Execution]
    /// Deletes executions of users on `plan` created before `cutoff`; returns how many.
    func purgeExecutions(plan: Plan, createdBefore cutoff: Date) async throws -> Int

    // Alerts
    func insertAlert(_ alert: AlertConfig) async throws
    func countAlerts(userId: String) async throws -> Int
    func alert(id: String, userId: String) async throws -> AlertConfig?
    func listAlerts(userId: String) async throws -> [AlertConfig]
    /// Compare-and-set on `updatedAt`, as `updateJob`.
    func updateAlert(_ alert: AlertConfig, expectedUpdatedAt: Date) async throws -> Bool
    func deleteAlert(id: String, userId: String) async throws -> Bool

    // Alert delivery
    func alertStates(userId: String) async throws -> [String: AlertState]
    func saveAlertState(_ state: AlertState, alertId: String, jobId: String) async throws
    func insertAlertDelivery(_ delivery: AlertDelivery) async throws
    func listAlertDeliveries(alertId: String, userId: String, page: PageRequest) async throws -> Page<AlertDelivery>
    /// Deletes alert deliveries of users on `plan` created before `cutoff`; returns how many.
    func purgeAlertDeliveries(plan: Plan, createdBefore cutoff: Date) async throws -> Int

    // Cluster fencing
    /// Takes or renews a shard's lease for `node` by compare-and-set: granted when the shard has
    /// no lease, its lease has expired, or `node` already holds it. A change of owner bumps the
    /// epoch, and so does taking back an expired (or released) lease: whatever ran under the
    /// old one is fenced out, and the shard starts afresh with a catch-up. Returns the lease held after the call, or nil when another node holds it.
    func acquireLease(shard: Int, node: String, duration: TimeInterval, at: Date) async throws -> ShardLease?
    /// `acquireLease` for many shards in one transaction; returns the leases `node` holds after it.
    func acquireLeases(shards: [Int], node: String, duration: TimeInterval, at: Date) async throws -> [Int: ShardLease]
    /// Every shard's lease as recorded (for the cluster view).
    func leases() async throws -> [ShardLease]
    /// Gives leases up at once (graceful hand-over), those that `node` holds, in one transaction.
    func releaseLeases(shards: [Int], node: String) async throws

    // Idempotency keys
    /// Reserves `key` for a request with `fingerprint`, or says what the key already holds. A
    /// key older than `window`, or left in progress for longer than `abandonAfter` (its node
    /// died mid-request), is reserved anew.
    func reserveIdempotencyKey(
        _ key: IdempotencyKey, fingerprint: String, at: Date, window: TimeInterval, abandonAfter: TimeInterval
    ) async throws -> IdempotencyReservation
    /// Records the response of a reserved key's request.
    func completeIdempotencyKey(_ key: IdempotencyKey, response: StoredResponse) async throws
    /// Frees a reserved key whose request did not complete (so that a retry runs it).
    func releaseIdempotencyKey(_ key: IdempotencyKey) async throws
    /// Deletes keys created before `cutoff`; returns how many.
    func purgeIdempotencyKeys(createdBefore cutoff: Date) async throws -> Int

    // Usage
    func runCounts(userId: String, at: Date) async throws -> RunCounts
    func addRuns(userId: String, count: Int, at: Date) async throws
}

/// Where the engine's write journal commits its batches: the store, or in tests a wrapper
/// that injects failures.
public protocol EngineWriteApplying: Sendable {
    /// Applies engine writes in one transaction; each result says whether the write took
    /// effect (a claim that lost to an existing one, or a write whose fence is gone, did not).
    func apply(_ writes: [EngineWrite]) async throws -> [Bool]
}

public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case duplicateEmail
    case duplicateExecution
    case unavailable(String)

    public var description: String {
        switch self {
        case .duplicateEmail: "an account with this email already exists"
        case .duplicateExecution: "an execution for this job, slot and attempt already exists"
        case .unavailable(let reason): "store unavailable: \(reason)"
        }
    }
}

extension Store {
    public func releaseLease(shard: Int, node: String) async throws {
        try await releaseLeases(shards: [shard], node: node)
    }
}
