import Foundation
import RunhooksCore

/// Executions, run requests and usage counters: what the API reads and the delivery engine
/// writes (through `apply`, in batches).
public protocol ExecutionLog: EngineWriteApplying {
    func insertExecution(_ execution: Execution) async throws
    func execution(id: String, userId: String) async throws -> Execution?
    func listExecutions(userId: String, filter: ExecutionFilter, page: PageRequest) async throws -> Page<Execution>
    func insertReplayRequest(_ request: ReplayRequest) async throws
    /// Up to `limit` replay requests not yet handled that were made before `cutoff`, oldest
    /// first (by time, then id), starting after `last` (the end of the page before; nil: from
    /// the oldest).
    func pendingReplayRequests(requestedBefore cutoff: Date, after last: ReplayRequest?, limit: Int) async throws -> [ReplayRequest]
    /// Deletes up to `limit` replay and trigger requests handled before `cutoff`; returns how many.
    func purgeReplayRequests(handledBefore cutoff: Date, limit: Int) async throws -> Int

    /// The active jobs of one shard.
    func activeJobs(shard: Int) async throws -> [ScheduledJob]
    /// Attempts of one shard left pending or running (by a crash).
    func unfinishedExecutions(shard: Int) async throws -> [Execution]
    /// Failed attempts of one shard whose retry has not been claimed yet.
    func dueRetries(shard: Int) async throws -> [Execution]
    /// Deletes up to `limit` finished executions of users on `plan` created before `cutoff`, in
    /// one short transaction; returns how many. Callers repeat it until fewer than `limit` go.
    func purgeExecutions(plan: Plan, createdBefore cutoff: Date, limit: Int) async throws -> Int

    func runCounts(userId: String, at: Date) async throws -> RunCounts
    /// Deletes up to `limit` run counters of days before `cutoff`'s UTC day and of months
    /// before its UTC month; returns how many. Quotas read only the current day and month.
    func purgeUsageCounters(before cutoff: Date, limit: Int) async throws -> Int
    func addRuns(userId: String, count: Int, at: Date) async throws
}

extension ExecutionLog {
    /// The first `limit` replay requests not yet handled, oldest first.
    public func pendingReplayRequests(limit: Int) async throws -> [ReplayRequest] {
        try await pendingReplayRequests(requestedBefore: .distantFuture, limit: limit)
    }

    public func pendingReplayRequests(requestedBefore cutoff: Date, limit: Int) async throws -> [ReplayRequest] {
        try await pendingReplayRequests(requestedBefore: cutoff, after: nil, limit: limit)
    }

    /// Every replay request not yet handled that was made before `cutoff`, oldest first, read
    /// `pageSize` at a time: a caller that wants only some of them (a node's own shards)
    /// reaches the last one however many others come first.
    public func allPendingReplayRequests(requestedBefore cutoff: Date = .distantFuture, pageSize: Int = 1_000) -> PendingReplayRequests {
        PendingReplayRequests(log: self, cutoff: cutoff, pageSize: pageSize)
    }

    public func addRuns(userId: String, count: Int, at date: Date) async throws {
        _ = try await apply([.addRuns(userId: userId, count: count, at: date)])
    }
}

/// Where the engine's write journal commits its batches: the store, or in tests a wrapper
/// that injects failures.
public protocol EngineWriteApplying: Sendable {
    /// Applies engine writes in one transaction; each result says whether the write took
    /// effect (a claim that lost to an existing one, or a write whose fence is gone, did not).
    /// One write that does not take effect never undoes the others.
    func apply(_ writes: [EngineWrite]) async throws -> [Bool]
}
