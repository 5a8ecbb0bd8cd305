import Foundation
import GRDB
import RunhooksCore
import Testing

@testable import RunhooksEngine
@testable import RunhooksStore

/// Fires while the store fails the tenant's plan read (a restart, a lost connection). The
/// outage is real: the `users` table is renamed away, so reading an account fails in SQLite
/// while claims still commit (their foreign keys follow the rename).
@Suite struct StoreReadOutageTests {
    static func accountsUnreadable(_ harness: EngineHarness, _ unreadable: Bool) async throws {
        let (from, to) = unreadable ? ("users", "users_away") : ("users_away", "users")
        try await harness.store.pool.write { try $0.execute(sql: "ALTER TABLE \(from) RENAME TO \(to)") }
    }

    /// A running engine with one job, every minute, at a sink.
    static func started() async throws -> (TestSink, EngineHarness, Job) {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        return (sink, harness, try await harness.createJob("\(await sink.baseURL)/ok"))
    }

    /// `started()` with the accounts unreadable before the job's first slot: its attempt has
    /// found no plan and waits for the store.
    static func waitingForTheStore() async throws -> (TestSink, EngineHarness, Job) {
        let (sink, harness, job) = try await started()
        try await accountsUnreadable(harness, true)
        harness.clock.advance(by: 60)
        #expect(await harness.engine.events.waitFor(.attemptWaitedForStore, total: 1))
        return (sink, harness, job)
    }

    @Test func aRunRequestWhoseJobCouldNotBeReadIsLaunchedByTheSweepOfStrandedRequests() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/ok", every: 3_600_000)
        let trigger = try await harness.recordRunRequest(for: job)
        try await harness.store.pool.write { try $0.execute(sql: "ALTER TABLE jobs RENAME TO jobs_away") }
        await harness.engine.runRequested(trigger)
        try await harness.store.pool.write { try $0.execute(sql: "ALTER TABLE jobs_away RENAME TO jobs") }
        #expect(await sink.count("/ok") == 0)
        harness.clock.advance(by: DeliveryEngine.strandedRequestAge + 1)
        #expect(await harness.engine.launchStrandedRequests() == 1)
        #expect(await harness.waitForAttempts(1))
        #expect(await sink.count("/ok") == 1)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aFireWhosePlanRefreshFailsGoesOutUnderThePlanAsLastRead() async throws {
        let (sink, harness, job) = try await Self.started()
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        try await Self.accountsUnreadable(harness, true)
        // The plan read a minute ago has expired: this fire reads it again, and the read fails.
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(2))
        #expect(await sink.count("/ok") == 2)
        #expect(try await harness.executions(job.id).map(\.status) == [.success, .success])
        #expect(harness.engine.events.total(.attemptWaitedForStore) == 0)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aFireWhoseFirstPlanReadFailsIsTriedAgainOnceTheStoreAnswers() async throws {
        let (sink, harness, job) = try await Self.waitingForTheStore()
        try await Self.accountsUnreadable(harness, false)
        harness.clock.advance(by: 1)
        #expect(await harness.waitForAttempts(1))
        #expect(await sink.count("/ok") == 1)
        #expect(try await harness.executions(job.id).map(\.status) == [.success])
        #expect(try await harness.store.runCounts(userId: harness.user.id, at: harness.clock.now()).daily == 1)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aFireWhosePlanCannotBeReadWithinTheWindowIsNotSentUntilTheStoreAnswers() async throws {
        let (sink, harness, job) = try await Self.waitingForTheStore()
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow + 1)
        #expect(await harness.waitForAttempts(1))
        #expect(await sink.count("/ok") == 0)
        try await Self.accountsUnreadable(harness, false)
        #expect(try await harness.executions(job.id).isEmpty)
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow)
        #expect(await harness.waitForAttempts(2))
        #expect(await sink.count("/ok") == 1)
        #expect(try await harness.executions(job.id).map(\.status) == [.success])
        await harness.engine.stop()
        await sink.stop()
    }
}
