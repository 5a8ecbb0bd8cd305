import Foundation
import RunhooksCore

/// A user's jobs.
public protocol JobStore: Sendable {
    func insertJob(_ job: Job, shard: Int) async throws
    func countJobs(userId: String) async throws -> Int
    func job(id: String, userId: String) async throws -> Job?
    func listJobs(userId: String, filter: JobFilter, page: PageRequest) async throws -> Page<Job>
    /// Writes `job` if its stored `updatedAt` is still `expectedUpdatedAt` (compare-and-set);
    /// false when the job is gone or was changed meanwhile.
    func updateJob(_ job: Job, expectedUpdatedAt: Date) async throws -> Bool
    func deleteJob(id: String, userId: String) async throws -> Bool
}
