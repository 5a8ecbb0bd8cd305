import Foundation
import RunhooksCore
import RunhooksStore
import Testing

@testable import RunhooksEngine

@Suite(.serialized) struct RecoveryTests {
    @Test func missedSlotsAreCaughtUpOnceWithTheirCount() async throws {
        let sink = try await TestSink.start()
        let first = try await EngineHarness.make()
        try await first.engine.start()
        let job = try await first.createJob("\(await sink.baseURL)/ok")
        first.clock.advance(by: 60)
        #expect(await first.waitForAttempts(1))
        await first.engine.stop()

        // Five slots pass while no engine runs.
        first.clock.advance(by: 5 * 60 + 10)
        let second = try await EngineHarness.make(reuse: first)
        try await second.engine.start()
        #expect(await second.waitForAttempts(1))
        let runs = try await second.executions(job.id)
        #expect(runs.count == 2)
        #expect(runs.last?.scheduledFor == job.anchorAt + 360)
        #expect(runs.last?.missedSlots == 4)
        #expect(await sink.count("/ok") == 2)
        // The schedule continues from there, without drift.
        second.clock.advance(by: 50)
        #expect(await second.waitForAttempts(2))
        #expect(try await second.executions(job.id).last?.scheduledFor == job.anchorAt + 420)
        await second.engine.stop()
        await sink.stop()
    }

    @Test func attemptsLeftRunningAreSettledAndRetried() async throws {
        let sink = try await TestSink.start()
        let first = try await EngineHarness.make()
        let job = try await first.createJob("\(await sink.baseURL)/ok", retries: 2)
        // As a crash would leave it: claimed and running, never finished.
        let slot = first.clock.now() + 60
        let interrupted = Execution(
            id: first.context.ids.next(), jobId: job.id, userId: job.userId, status: .running, scheduledFor: slot,
            attempt: 1, startedAt: slot, createdAt: slot)
        #expect(try await first.store.apply([.claim(interrupted, advancesSlot: true)]) == [true])
        first.clock.advance(by: 61)

        let second = try await EngineHarness.make(reuse: first)
        try await second.engine.start()
        #expect(await second.waitForAttempts(1))
        let runs = try await second.executions(job.id)
        #expect(runs.map(\.status) == [.failed, .success])
        #expect(runs.first?.error == "interrupted: the server stopped during this attempt")
        #expect(runs.map(\.attempt) == [1, 2])
        #expect(await sink.requests("/ok").first?.headers["runhooks-attempt"] == "2")
        await second.engine.stop()
        await sink.stop()
    }

    @Test func pendingRetriesSurviveARestart() async throws {
        let sink = try await TestSink.start()
        let first = try await EngineHarness.make()
        try await first.engine.start()
        let job = try await first.createJob("\(await sink.baseURL)/flaky", retries: 3, initialDelay: 5000)
        first.clock.advance(by: 60)
        #expect(await first.waitForAttempts(1))
        await first.engine.stop()

        let second = try await EngineHarness.make(reuse: first)
        try await second.engine.start()
        second.clock.advance(by: 5)
        #expect(await second.waitForAttempts(1))
        #expect(try await second.executions(job.id).map(\.attempt) == [1, 2])
        await second.engine.stop()
        await sink.stop()
    }

    @Test func aSlotIsClaimedOnlyOnce() async throws {
        let harness = try await EngineHarness.make()
        let job = try await harness.createJob("https://x.example/")
        let slot = harness.clock.now() + 60
        func claim() -> EngineWrite {
            .claim(
                Execution(
                    id: harness.context.ids.next(), jobId: job.id, userId: job.userId, status: .running, scheduledFor: slot,
                    attempt: 1, createdAt: slot), advancesSlot: true)
        }
        #expect(try await harness.store.apply([claim(), claim()]) == [true, false])
        #expect(try await harness.store.apply([claim()]) == [false])
    }

    @Test func aClaimForADeletedJobFailsAloneNotItsBatch() async throws {
        let harness = try await EngineHarness.make()
        let kept = try await harness.createJob("https://x.example/")
        let deleted = try await harness.createJob("https://y.example/")
        #expect(try await harness.tenants.tenant(harness.user.id).deleteJob(id: deleted.id))
        let slot = harness.clock.now() + 60
        func claim(_ job: Job) -> EngineWrite {
            .claim(
                Execution(
                    id: harness.context.ids.next(), jobId: job.id, userId: job.userId, status: .running, scheduledFor: slot,
                    attempt: 1, createdAt: slot), advancesSlot: true)
        }
        #expect(try await harness.store.apply([claim(deleted), claim(kept)]) == [false, true])
    }

    @Test func retentionSweepFollowsThePlan() async throws {
        let harness = try await EngineHarness.make(plan: .free)
        let job = try await harness.createJob("https://x.example/")
        for age in [0.5, 2.0] {
            let created = harness.clock.now() - age * 86_400
            _ = try await harness.store.apply([
                .claim(
                    Execution(
                        id: harness.context.ids.next(), jobId: job.id, userId: job.userId, status: .success,
                        scheduledFor: created, attempt: 1, createdAt: created), advancesSlot: false)
            ])
        }
        #expect(await harness.engine.sweepRetention() == 1)
        #expect(try await harness.executions(job.id).count == 1)
    }

    @Test func aRetentionSweepDeletesInChunksUntilNothingOldIsLeft() async throws {
        let harness = try await EngineHarness.make(plan: .free, retentionChunk: 3)
        let job = try await harness.createJob("https://x.example/")
        let created = harness.clock.now() - 2 * 86_400
        let claims = (0..<8).map { offset in
            EngineWrite.claim(
                Execution(
                    id: harness.context.ids.next(), jobId: job.id, userId: job.userId, status: .success,
                    scheduledFor: created + Double(offset), attempt: 1, createdAt: created + Double(offset)),
                advancesSlot: false)
        }
        _ = try await harness.store.apply(claims)
        #expect(await harness.engine.sweepRetention() == 8)
        #expect(try await harness.executions(job.id).isEmpty)
    }

    @Test func aRetentionSweepDeletesRunCountersOfDaysAndMonthsLongPast() async throws {
        let harness = try await EngineHarness.make()
        let now = harness.clock.now()
        // 2025-01-15, and 2024-11-06: more than `runCountersKept` ago, in a month before.
        for at in [now, now - 70 * 86_400] { try await harness.store.addRuns(userId: harness.user.id, count: 1, at: at) }
        #expect(await harness.engine.sweepRetention() == 2)
        #expect(try await harness.store.runCounts(userId: harness.user.id, at: now) == RunCounts(daily: 1, monthly: 1))
        #expect(try await harness.store.runCounts(userId: harness.user.id, at: now - 70 * 86_400) == RunCounts(daily: 0, monthly: 0))
    }

    @Test func aRetentionSweepDeletesExpiredRefreshTokensAndRequestsHandledADayAgo() async throws {
        let harness = try await EngineHarness.make()
        let job = try await harness.createJob("https://x.example/")
        let now = harness.clock.now()
        for (id, expiresAt) in [("expired", now - 1), ("live", now + 60)] {
            try await harness.store.insertRefreshToken(
                RefreshTokenRecord(id: id, userId: job.userId, family: id, expiresAt: expiresAt, createdAt: now - 86_400))
        }
        let requests = (0..<2).map { _ in
            ReplayRequest(
                id: harness.context.ids.next(), userId: job.userId, jobId: job.id, kind: .trigger, executionId: nil,
                requestedAt: now - 2 * 86_400)
        }
        for request in requests { try await harness.store.insertReplayRequest(request) }
        _ = try await harness.store.apply([
            .requestHandled(id: requests[0].id, at: now - 86_401), .requestHandled(id: requests[1].id, at: now - 3600),
        ])
        #expect(await harness.engine.sweepRetention() == 2)
        #expect(try await harness.store.consumeRefreshToken(id: "expired", at: now - 2) == .unknown)
        #expect(try await harness.store.consumeRefreshToken(id: "live", at: now) == .valid(userId: job.userId, family: "live"))
        #expect(try await harness.store.purgeReplayRequests(handledBefore: now, limit: 10) == 1)
    }
}
