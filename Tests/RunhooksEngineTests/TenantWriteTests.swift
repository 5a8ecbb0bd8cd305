import Foundation
import RunhooksCore
import RunhooksStore
import Testing

@testable import RunhooksEngine

/// A tenant's writes are one read-merge-write each, in arrival order, and tell the wheel in
/// that same order.
@Suite struct TenantWriteTests {
    @Test func concurrentChangesOfDifferentFieldsAllLand() async throws {
        let harness = try await EngineHarness.make()
        let job = try await harness.createJob("https://x.example/")
        let tenant = harness.tenants.tenant(harness.user.id)
        let patches: [JSONValue] = [
            ["name": "renamed"], ["description": "described"], ["tags": ["a"]], ["retryPolicy": ["maxRetries": 2]],
            ["httpConfig": ["timeoutMs": 7000]], ["status": "paused"],
        ]
        try await withThrowingTaskGroup(of: Job?.self) { group in
            for patch in patches {
                group.addTask {
                    try await tenant.updateJob(id: job.id, plan: .growth, scheduler: harness.engine) { current in
                        try JobSpec(merging: patch, into: current, rules: JobRules())
                    }
                }
            }
            for try await updated in group { #expect(updated != nil) }
        }
        let stored = try #require(try await harness.store.job(id: job.id, userId: harness.user.id))
        #expect(stored.name == "renamed" && stored.description == "described" && stored.tags == ["a"])
        #expect(stored.retryPolicy.maxRetries == 2 && stored.httpConfig.timeoutMs == 7000 && stored.status == .paused)
    }

    @Test func anUpdateRacingADeleteNeverPutsTheJobBackOnTheWheel() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let tenant = harness.tenants.tenant(harness.user.id)
        var doomed: [String] = []
        for _ in 0..<10 { doomed.append(try await harness.createJob("\(await sink.baseURL)/deleted").id) }
        try await harness.createJob("\(await sink.baseURL)/witness")
        await withTaskGroup(of: Void.self) { group in
            for id in doomed {
                group.addTask { _ = try? await tenant.deleteJob(id: id, scheduler: harness.engine) }
                group.addTask {
                    _ = try? await tenant.updateJob(id: id, plan: .growth, scheduler: harness.engine) { current in
                        try JobSpec(merging: ["name": "edited"], into: current, rules: JobRules())
                    }
                }
            }
        }
        for id in doomed { #expect(try await harness.store.job(id: id, userId: harness.user.id) == nil) }
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        #expect(await sink.count("/deleted") == 0)
        #expect(await sink.count("/witness") == 1)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aChangeBasedOnAStaleReadIsAConflict() async throws {
        let harness = try await EngineHarness.make()
        let job = try await harness.createJob("https://x.example/")
        // Another node changed the job after this one read it (the store moved on).
        var elsewhere = job
        elsewhere.name = "changed elsewhere"
        elsewhere.updatedAt = job.updatedAt + 1
        #expect(try await harness.store.updateJob(elsewhere, expectedUpdatedAt: job.updatedAt))
        var stale = job
        stale.name = "stale"
        #expect(try await !harness.store.updateJob(stale, expectedUpdatedAt: job.updatedAt))
        #expect(try await harness.store.job(id: job.id, userId: harness.user.id)?.name == "changed elsewhere")
    }

    @Test func aTriggerArrivingWhileItsShardStartsRunsOnce() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make(ownedShards: [])
        let job = try await harness.createJob("\(await sink.baseURL)/ok", every: 3_600_000)
        let shard = harness.context.shards.shard(forUser: harness.user.id)
        let request = try await harness.recordRunRequest(for: job)
        // The API hands the request to the engine while the shard loads it from the store.
        async let started: Void = harness.engine.startShard(shard, fence: nil)
        async let handed: Void = harness.engine.runRequested(request)
        _ = try await (started, handed)
        await harness.engine.runRequested(request)
        #expect(await harness.waitForAttempts(1))
        await harness.engine.waitUntilSettled()
        #expect(await sink.count("/ok") == 1)
        #expect(try await harness.executions(job.id).count == 1)
        await harness.engine.stop()
        await sink.stop()
    }
}
