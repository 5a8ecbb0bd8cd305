import Foundation
import RunhooksCore
import RunhooksStore
import Prometheus
import Testing

@testable import RunhooksEngine

@Suite(.serialized) struct DeliveryEngineTests {
    @Test func firesOnScheduleWithIdentifyingHeaders() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/ok", body: "{\"hello\":1}")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        let request = try #require(await sink.requests("/ok").first)
        #expect(request.method == "POST" && request.body == "{\"hello\":1}")
        #expect(request.headers["user-agent"] == "Runhooks/0.1.0")
        #expect(request.headers["x-test"] == "yes")
        #expect(request.headers["runhooks-job-id"] == job.id)
        #expect(request.headers["runhooks-attempt"] == "1")
        #expect(request.headers["runhooks-scheduled-at"] == "2025-01-15T12:01:00.000Z")
        let executions = try await harness.executions(job.id)
        #expect(executions.count == 1)
        let execution = try #require(executions.first)
        #expect(execution.status == .success && execution.httpStatusCode == 200 && execution.responseBody == "{\"ok\":true}")
        #expect(request.headers["runhooks-execution-id"] == execution.id)
        #expect(execution.attempt == 1 && execution.completedAt != nil && execution.durationMs != nil)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(2))
        #expect(try await harness.executions(job.id).map(\.scheduledFor.iso8601Milliseconds) == [
            "2025-01-15T12:01:00.000Z", "2025-01-15T12:02:00.000Z",
        ])
        let usage = try await harness.store.runCounts(userId: harness.user.id, at: harness.clock.now())
        #expect(usage.daily == 2)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func claimsAheadOfTheSlotAndSendsOnTime() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make(claimLead: .milliseconds(200))
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        harness.clock.advance(by: 59.9)
        #expect(await harness.engine.events.waitFor(.attemptClaimed, total: 1))
        await harness.engine.journal.drain()
        let claimed = try #require(try await harness.executions(job.id).first)
        #expect(claimed.status == .running)
        #expect(claimed.startedAt?.iso8601Milliseconds == "2025-01-15T12:01:00.000Z")
        // Held until the slot: the manual clock has not reached it, so nothing can have left.
        #expect(await sink.requests("/ok").isEmpty)
        harness.clock.advance(by: 0.1)
        #expect(await harness.waitForAttempts(1))
        let request = try #require(await sink.requests("/ok").first)
        #expect(request.headers["runhooks-scheduled-at"] == "2025-01-15T12:01:00.000Z")
        #expect(try await harness.executions(job.id).map(\.status) == [.success])
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func retriesWithBackoffUntilSuccess() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/flaky", retries: 3, initialDelay: 1000)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        var executions = try await harness.executions(job.id)
        #expect(executions.map(\.status) == [.failed])
        #expect(executions.first?.retryAt == harness.clock.now() + 1)
        #expect(executions.first?.error == "HTTP 503 Service Unavailable")
        harness.clock.advance(by: 1)
        #expect(await harness.waitForAttempts(2))
        executions = try await harness.executions(job.id)
        #expect(executions.last?.retryAt == harness.clock.now() + 2)
        harness.clock.advance(by: 2)
        #expect(await harness.waitForAttempts(3))
        executions = try await harness.executions(job.id)
        #expect(executions.map(\.status) == [.failed, .failed, .success])
        #expect(executions.map(\.attempt) == [1, 2, 3])
        #expect(Set(executions.map(\.scheduledFor)).count == 1)
        #expect(await sink.requests("/flaky").map { $0.headers["runhooks-attempt"] ?? "" } == ["1", "2", "3"])
        // Retries are not new runs.
        #expect(try await harness.store.runCounts(userId: harness.user.id, at: harness.clock.now()).daily == 1)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func lastAllowedAttemptIsDeadLettered() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/fail", retries: 1)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        harness.clock.advance(by: 1)
        #expect(await harness.waitForAttempts(2))
        let executions = try await harness.executions(job.id)
        #expect(executions.map(\.status) == [.failed, .deadLetter])
        #expect(executions.last?.retryAt == nil)
        #expect(executions.last?.error?.contains("gave up after 2 attempts") == true)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func clientErrorsEndTheRunAtOnce() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let gone = try await harness.createJob("\(await sink.baseURL)/gone", retries: 3)
        let redirect = try await harness.createJob("\(await sink.baseURL)/redirect", retries: 3)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(2))
        let goneRuns = try await harness.executions(gone.id)
        #expect(goneRuns.map(\.status) == [.failed] && goneRuns.first?.httpStatusCode == 410 && goneRuns.first?.retryAt == nil)
        // Redirects are recorded, never followed (this one points at a metadata address).
        let redirected = try await harness.executions(redirect.id)
        #expect(redirected.first?.httpStatusCode == 302 && redirected.first?.status == .failed)
        #expect(await sink.count() == 2)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func retryAfterIsHonoured() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/busy", retries: 2, initialDelay: 1000)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        let first = try #require(try await harness.executions(job.id).first)
        #expect(first.httpStatusCode == 429 && first.retryAt == harness.clock.now() + 7)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func hangingTargetTimesOutAndRefusedConnectionFails() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let hang = try await harness.createJob("\(await sink.baseURL)/hang", retries: 1, timeoutMs: 1000)
        let refused = try await harness.createJob("http://127.0.0.1:9/nothing-listens-here", retries: 1)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(2))
        let timedOut = try #require(try await harness.executions(hang.id).first)
        #expect(timedOut.status == .timeout)
        #expect(timedOut.error == "timed out after 1000 ms")
        let failed = try #require(try await harness.executions(refused.id).first)
        #expect(failed.status == .failed)
        #expect(failed.httpStatusCode == nil)
        #expect(failed.error == "connection refused")
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func largeResponsesAreTruncatedWithAMarker() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/big")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        let body = try #require(try await harness.executions(job.id).first?.responseBody)
        #expect(body.hasSuffix(Dispatcher.truncationMarker))
        #expect(body.utf8.count == Dispatcher.responseCaptureLimit + Dispatcher.truncationMarker.utf8.count)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func privateTargetsAreRefusedAtFireTime() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make(allowPrivateTargets: false)
        try await harness.engine.start()
        // As if the name had resolved to a public address when the job was created.
        let job = try await harness.createJob("http://localhost:\(await sink.port)/ok", retries: 2)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        let execution = try #require(try await harness.executions(job.id).first)
        #expect(execution.status == .failed && execution.error?.hasPrefix("refused:") == true && execution.retryAt == nil)
        #expect(await sink.count() == 0)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func quotaExhaustedRunsAreRecordedNotSent() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make(plan: .free)
        try await harness.engine.start()
        try await harness.store.addRuns(userId: harness.user.id, count: 200, at: harness.clock.now())
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        let execution = try #require(try await harness.executions(job.id).first)
        #expect(execution.status == .quotaExceeded && execution.error?.contains("daily run quota") == true)
        #expect(await sink.count() == 0)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func concurrencyOneSerialisesATenantsRequests() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make(plan: .free)
        try await harness.engine.start()
        for _ in 0..<3 { try await harness.createJob("\(await sink.baseURL)/slow") }
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(3))
        #expect(await sink.count("/slow") == 3)
        #expect(await sink.maxConcurrent == 1)
        await harness.engine.stop()
        await sink.stop()
    }

    /// A run that finds the tenant's slots taken at its claim is served before a run claimed
    /// after it for a later slot: the freed slot is not taken by the later run in between.
    @Test func aTenantsSlotGoesToTheRunDueFirstNotToTheRunClaimedNext() async throws {
        let sink = try await TestSink.start()
        let registry = PrometheusCollectorRegistry()
        let harness = try await EngineHarness.make(
            plan: .free, metrics: EngineMetrics(factory: PrometheusMetricsFactory(registry: registry)),
            claimLead: .milliseconds(50))
        try await harness.engine.start()
        let start = harness.clock.now()
        // Every minute, first due at 60.000 (held at the sink), 60.060 and 60.090 s.
        try await harness.createJob("\(await sink.baseURL)/held")
        harness.clock.set(start + 0.060)
        try await harness.createJob("\(await sink.baseURL)/first")
        harness.clock.set(start + 0.090)
        try await harness.createJob("\(await sink.baseURL)/second")
        let events = harness.engine.events

        // The held run takes the only slot; then the run due at 60.060 is claimed without one.
        // (Claimed in one wake-up, a later run can reach the tenant first and take the slot.)
        harness.clock.set(start + 60)
        #expect(await sink.waitFor(1, path: "/held"))
        harness.clock.set(start + 60.015)
        #expect(await events.waitFor(.attemptClaimed, total: 2))
        // The slot is freed before the run due at 60.090 is claimed.
        await sink.releaseHeld()
        #expect(await events.waitFor(.attemptFinished, total: 1))
        harness.clock.set(start + 60.050)
        #expect(await events.waitFor(.attemptClaimed, total: 3))
        harness.clock.set(start + 60.2)
        #expect(await harness.waitForAttempts(3))

        let order = await sink.received.map(\.path).filter { $0 != "/held" }
        #expect(order == ["/first", "/second"])
        // Both queued for the slot; the first had it before its time, the second only after.
        let text = registry.emitToString()
        #expect(text.contains("runhooks_concurrency_waits_total 2"))
        #expect(text.contains("runhooks_concurrency_delays_total 1"))
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func replayAndTriggerFireAtOnce() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        let trigger = try await harness.recordRunRequest(for: job)
        await harness.engine.runRequested(trigger)
        #expect(await harness.waitForAttempts(1))
        let original = try #require(try await harness.executions(job.id).first)
        harness.clock.advance(by: 1)
        let replay = try await harness.recordRunRequest(for: job, replaying: original.id)
        await harness.engine.runRequested(replay)
        #expect(await harness.waitForAttempts(2))
        let runs = try await harness.executions(job.id)
        #expect(runs.count == 2 && runs.allSatisfy { $0.status == .success })
        #expect(runs.last?.replayOf == original.id)
        // Each run is recorded under its request's id, which the API answered with.
        #expect(runs.map(\.id) == [trigger.id, replay.id])
        #expect(try await harness.store.pendingReplayRequests(limit: 10).isEmpty)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aRunRequestStillPendingAMinuteLaterIsLaunchedByTheEngine() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/ok", every: 3_600_000)
        // Recorded, but never handed to the engine (as when the shard moved meanwhile).
        try await harness.recordRunRequest(for: job)
        #expect(await harness.engine.launchStrandedRequests() == 0)
        harness.clock.advance(by: DeliveryEngine.strandedRequestAge + 1)
        #expect(await harness.engine.launchStrandedRequests() == 1)
        #expect(await harness.waitForAttempts(1))
        #expect(await sink.count("/ok") == 1)
        #expect(try await harness.store.pendingReplayRequests(limit: 10).isEmpty)
        #expect(await harness.engine.launchStrandedRequests() == 0)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aStrandedRequestBehindAFullPageOfOtherShardsRequestsIsLaunched() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let ownShard = harness.context.shards.shard(forUser: harness.user.id)
        // Only the harness user's shard runs here, as on one node of a cluster.
        await harness.engine.handOver((0..<4).filter { $0 != ownShard })
        var other: User
        repeat {
            other = User(
                id: harness.context.ids.next(), email: nil, name: "other node's tenant", role: .user, plan: .growth, isAnonymous: true,
                apiKeyPrefix: "rh_live_othr", createdAt: harness.clock.now(), updatedAt: harness.clock.now())
        } while harness.context.shards.shard(forUser: other.id) == ownShard
        try await harness.store.insertUser(other, passwordHash: nil, apiKeyHash: UUID().uuidString)
        let now = harness.clock.now()
        let othersJob = Job(
            id: harness.context.ids.next(), userId: other.id, name: "elsewhere", description: nil,
            schedule: Schedule(kind: .interval, expression: "3600000"), httpConfig: HTTPConfig(url: "\(await sink.baseURL)/elsewhere"),
            retryPolicy: .default, status: .active, tags: [], createdAt: now, updatedAt: now, anchorAt: now)
        try await harness.store.insertJob(othersJob, shard: harness.context.shards.shard(forUser: other.id))
        let job = try await harness.createJob("\(await sink.baseURL)/ok", every: 3_600_000)
        // Older requests of a shard this node does not run fill the first pages.
        for _ in 0..<3 { try await harness.recordRunRequest(for: othersJob) }
        harness.clock.advance(by: 1)
        try await harness.recordRunRequest(for: job)
        harness.clock.advance(by: DeliveryEngine.strandedRequestAge + 1)
        #expect(await harness.engine.launchStrandedRequests(pageSize: 2) == 1)
        #expect(await harness.waitForAttempts(1))
        #expect(await sink.count("/ok") == 1)
        #expect(await sink.count("/elsewhere") == 0)
        #expect(try await harness.store.pendingReplayRequests(limit: 10).map(\.jobId) == [othersJob.id, othersJob.id, othersJob.id])
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aRunRequestedAtTheMillisecondOfAClaimedSlotStillRuns() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        let now = harness.clock.now()
        // This very millisecond is a slot of the job, already claimed.
        let slot = Execution(
            id: harness.context.ids.next(), jobId: job.id, userId: job.userId, status: .success, scheduledFor: now,
            attempt: 1, createdAt: now)
        #expect(try await harness.store.apply([.claim(slot, advancesSlot: false)]) == [true])
        let trigger = try await harness.recordRunRequest(for: job, at: now)
        await harness.engine.runRequested(trigger)
        #expect(await harness.waitForAttempts(1))
        let runs = try await harness.executions(job.id)
        #expect(runs.count == 2)
        #expect(await sink.count("/ok") == 1)
        let triggered = try #require(runs.first { $0.id != slot.id })
        #expect(triggered.status == .success && triggered.scheduledFor > slot.scheduledFor)
        let header = try #require(await sink.requests("/ok").first?.headers["runhooks-scheduled-at"])
        #expect(header == triggered.scheduledFor.iso8601Milliseconds)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func pauseStopsFiringAndResumeReanchors() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/paused")
        let witness = try await harness.createJob("\(await sink.baseURL)/witness")
        let tenant = harness.tenants.tenant(harness.user.id)
        var paused = JobSpec(name: job.name, schedule: job.schedule, httpConfig: job.httpConfig, retryPolicy: job.retryPolicy)
        paused.status = .paused
        let pauseChange = paused
        let pausedOrNil = try await tenant.updateJob(id: job.id, plan: .growth, scheduler: harness.engine) { _ in pauseChange }
        let pausedJob = try #require(pausedOrNil)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))  // the witness fired, the paused job did not
        let pausedHits = await sink.count("/paused")
        let witnessHits = await sink.count("/witness")
        #expect(pausedHits == 0 && witnessHits == 1)
        harness.clock.advance(by: 30)
        paused.status = .active
        let resumeChange = paused
        let resumedOrNil = try await tenant.updateJob(id: pausedJob.id, plan: .growth, scheduler: harness.engine) { _ in resumeChange }
        let resumed = try #require(resumedOrNil)
        harness.clock.advance(by: 30)  // the witness fires; the resumed job is due 60 s after the resume
        #expect(await harness.waitForAttempts(2))
        #expect(await sink.count("/paused") == 0)
        harness.clock.advance(by: 30)
        #expect(await harness.waitForAttempts(3))
        #expect(try await harness.executions(job.id).map(\.scheduledFor) == [resumed.anchorAt + 60])
        _ = witness
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func metricsCountFiresAttemptsAndLateness() async throws {
        let sink = try await TestSink.start()
        let registry = PrometheusCollectorRegistry()
        let harness = try await EngineHarness.make(metrics: EngineMetrics(factory: PrometheusMetricsFactory(registry: registry)))
        try await harness.engine.start()
        try await harness.createJob("\(await sink.baseURL)/ok")
        try await harness.createJob("\(await sink.baseURL)/gone")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(2))
        let text = registry.emitToString()
        #expect(text.contains("runhooks_fires_total 2"))
        #expect(text.contains("runhooks_attempts_total{status=\"success\"} 1"))
        #expect(text.contains("runhooks_attempts_total{status=\"failed\"} 1"))
        #expect(text.contains("runhooks_fire_lateness_count 2"))
        #expect(text.contains("runhooks_requests_in_flight 0"))
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aNodeAPeriodBehindFiresTheLatestSlotOnceAndCountsTheRest() async throws {
        let sink = try await TestSink.start()
        let registry = PrometheusCollectorRegistry()
        let harness = try await EngineHarness.make(metrics: EngineMetrics(factory: PrometheusMetricsFactory(registry: registry)))
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        // The first slot's timer is taken only when five more slots have passed, as on a node
        // too busy to run it in time.
        harness.clock.advance(by: 6 * 60 + 10)
        #expect(await harness.waitForAttempts(1))
        let runs = try await harness.executions(job.id)
        #expect(runs.map(\.scheduledFor) == [job.anchorAt + 360])
        #expect(runs.first?.missedSlots == 5)
        #expect(registry.emitToString().contains("runhooks_missed_slots_total 5"))
        // The schedule goes on from the slot that fired.
        harness.clock.advance(by: 50)
        #expect(await harness.waitForAttempts(2))
        #expect(try await harness.executions(job.id).map(\.scheduledFor) == [job.anchorAt + 360, job.anchorAt + 420])
        #expect(await sink.count("/ok") == 2)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func deletedJobsStopFiring() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/deleted")
        try await harness.createJob("\(await sink.baseURL)/witness")
        #expect(try await harness.tenants.tenant(harness.user.id).deleteJob(id: job.id))
        await harness.engine.jobDeleted(id: job.id, userId: harness.user.id)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        let deletedHits = await sink.count("/deleted")
        let witnessHits = await sink.count("/witness")
        #expect(deletedHits == 0 && witnessHits == 1)
        await harness.engine.stop()
        await sink.stop()
    }
}

/// Fencing: a node runs a shard only under its lease, and a claim made after the lease passed
/// to another node loses in the store, so the request is never sent.
@Suite struct LeaseFenceTests {
    @Test func aShardWhoseLeaseWasTakenCannotFire() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        let shard = harness.context.shards.shard(forUser: harness.user.id)
        let lease = try #require(
            try await harness.store.acquireLease(shard: shard, node: "a", duration: 100, at: harness.clock.now()))
        try await harness.engine.startShard(shard, fence: LeaseFence(shard: shard, owner: "a", epoch: lease.epoch))
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        #expect(await sink.requests("/ok").count == 1)

        // Node a stops renewing (say, cut off); its lease runs out and node b takes the shard.
        harness.clock.advance(by: 41)
        let taken = try await harness.store.acquireLease(shard: shard, node: "b", duration: 100, at: harness.clock.now())
        #expect(taken?.epoch == lease.epoch + 1)
        harness.clock.advance(by: 19)  // the next slot comes up on a's wheel
        #expect(await harness.waitForAttempts(2))
        #expect(await sink.requests("/ok").count == 1, "a node without the lease sent a request")
        #expect(try await harness.executions(job.id).count == 1)
        await harness.engine.stop()
        await sink.stop()
    }
}
