import Foundation
import RunhooksCore
import RunhooksStore
import Testing

@testable import RunhooksEngine

/// An operator deletes an account in the store (`runhooks admin delete-user`) while the engine
/// holds its jobs: they are taken off the schedule at their next slot, unsent.
struct AccountDeletionTests {
    @Test func aDeletedAccountsJobsLeaveTheScheduleUnsent() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        #expect(await harness.engine.holdsJob(id: job.id, userId: harness.user.id))

        #expect(try await harness.store.deleteUser(harness.user.id, chunk: 100) != nil)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(2))
        #expect(await sink.requests("/ok").count == 1)
        #expect(await !harness.engine.holdsJob(id: job.id, userId: harness.user.id))
        await harness.engine.stop()
        await sink.stop()
    }
}
