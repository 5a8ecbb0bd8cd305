import Foundation
import RunhooksCore

/// A write the delivery engine makes. The engine hands them to the store in batches, so one
/// transaction (one fsync) carries the writes of many fires.
public enum EngineWrite: Sendable, Equatable {
    /// Claims an attempt under its unique (job, slot, attempt) key; loses to an earlier claim.
    /// `advancesSlot` also records the slot as the job's latest, for catch-up after a restart.
    /// With a `fence`, the claim also loses unless that lease is still held and unexpired, so a
    /// node that lost a shard cannot fire it. `countsRun`: a won claim adds one run to the
    /// user's daily and monthly counters in the same transaction (a lost claim costs nothing).
    case claim(Execution, advancesSlot: Bool, fence: LeaseFence? = nil, countsRun: Bool = false)
    /// The attempt got its concurrency slot: it is sent then, or at its time if that is later.
    case start(executionId: String, at: Date)
    /// The attempt ended. With a `fence`, only while that (shard, owner, epoch) still holds the
    /// lease: a node whose shard moved on cannot overwrite what the next owner settled.
    case finish(ExecutionResult, fence: LeaseFence? = nil)
    /// Runs counted against the daily and monthly quotas.
    case addRuns(userId: String, count: Int, at: Date)
    /// A replay or trigger request has been turned into a run.
    case requestHandled(id: String, at: Date)
}

/// How an attempt ended.
public struct ExecutionResult: Sendable, Equatable {
    public var executionId: String
    public var status: Execution.Status
    public var startedAt: Date?
    public var completedAt: Date
    public var durationMs: Int?
    public var httpStatusCode: Int?
    public var responseBody: String?
    public var error: String?
    public var retryAt: Date?
    public var timing: ExecutionTiming?
    public var lateMs: Double?

    public init(
        executionId: String, status: Execution.Status, startedAt: Date?, completedAt: Date, durationMs: Int?,
        httpStatusCode: Int?, responseBody: String?, error: String?, retryAt: Date?, timing: ExecutionTiming? = nil,
        lateMs: Double? = nil
    ) {
        self.timing = timing
        self.lateMs = lateMs
        self.executionId = executionId
        self.status = status
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.durationMs = durationMs
        self.httpStatusCode = httpStatusCode
        self.responseBody = responseBody
        self.error = error
        self.retryAt = retryAt
    }
}

/// An active job with the last slot that was claimed for it.
public struct ScheduledJob: Sendable, Equatable {
    public var job: Job
    public var lastSlot: Date?

    public init(job: Job, lastSlot: Date?) {
        self.job = job
        self.lastSlot = lastSlot
    }
}

/// The lease a shard's claims are made under: (shard, owner, epoch).
public struct LeaseFence: Sendable, Hashable {
    public var shard: Int
    public var owner: String
    public var epoch: Int64

    public init(shard: Int, owner: String, epoch: Int64) {
        self.shard = shard
        self.owner = owner
        self.epoch = epoch
    }
}

/// Who may run a shard's wheel, until when; `epoch` grows with every change of owner.
public struct ShardLease: Sendable, Equatable {
    public var shard: Int
    public var owner: String
    public var epoch: Int64
    public var expiresAt: Date

    public init(shard: Int, owner: String, epoch: Int64, expiresAt: Date) {
        self.shard = shard
        self.owner = owner
        self.epoch = epoch
        self.expiresAt = expiresAt
    }
}
