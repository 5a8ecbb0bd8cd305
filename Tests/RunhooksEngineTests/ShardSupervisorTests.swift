import Foundation
import Logging
import RunhooksCore
import RunhooksStore
import ServiceLifecycle
import Testing

@testable import RunhooksEngine

/// Shards moving between nodes while deliveries are in flight: leases of the shards that stay
/// are renewed whatever the hand-over waits on, a shard is released only once its runs ended
/// or were settled by the node holding its lease, and no slot is sent twice as a first attempt.
@Suite struct ShardSupervisorTests {
    static let allShards: Set<Int> = [0, 1, 2, 3]

    static func supervisor(_ harness: EngineHarness, node: String = "a", lease: TimeInterval = 4) -> ShardSupervisor {
        var logger = Logger(label: "supervisor-test")
        logger.logLevel = .warning
        // The loops are driven by hand here: a period of an hour never elapses.
        return ShardSupervisor(
            node: node, engine: harness.engine, store: harness.store, clock: harness.clock,
            settings: ShardSupervisor.Settings(leaseDuration: lease, period: .seconds(3600)), logger: logger)
    }

    /// The job ran once, successfully, and its target saw one request; then stops both.
    static func expectSentOnce(_ job: Job, harness: EngineHarness, sink: TestSink) async throws {
        let runs = try await harness.executions(job.id)
        #expect(runs.count == 1 && runs.first?.status == .success)
        #expect(await sink.count("/ok") == 1)
        await harness.engine.stop()
        await sink.stop()
    }

    /// This node is given every shard, takes their leases and starts them.
    static func takeAllShards(_ supervisor: ShardSupervisor) async {
        supervisor.setWanted(allShards)
        await supervisor.renewLeases()
        await supervisor.reconcile()
    }

    @Test func aHandOverNeverDelaysTheLeasesOfTheShardsThatStay() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make(ownedShards: [], drainTimeout: .seconds(120))
        let supervisor = Self.supervisor(harness, lease: 100)
        await Self.takeAllShards(supervisor)
        #expect(harness.engine.runningShards == [0, 1, 2, 3])

        let moving = harness.context.shards.shard(forUser: harness.user.id)
        let job = try await harness.createJob("\(await sink.baseURL)/held")
        harness.clock.advance(by: 60)
        #expect(await sink.waitFor(1, path: "/held"))
        await supervisor.renewLeases()

        // The shard moves away while its run waits on a slow target.
        supervisor.setWanted(Self.allShards.subtracting([moving]))
        await supervisor.reconcile()
        #expect(!harness.engine.runningShards.contains(moving))
        #expect(supervisor.shardsHandingOver == [moving])
        // Two renewals, each past what is left of the lease before it: they return although the
        // hand-over is still waiting, and every lease (the draining one too) stays this node's.
        for _ in 0..<2 {
            harness.clock.advance(by: 80)
            await supervisor.renewLeases()
        }
        for lease in try await harness.store.leases(at: harness.clock.now()) {
            #expect(lease.owner == "a" && lease.expiresAt == harness.clock.now() + 100, "shard \(lease.shard)")
        }
        #expect(try await harness.store.acquireLease(shard: moving, node: "b", duration: 4, at: harness.clock.now()) == nil)

        // The run ends on its own; its result is recorded, and only then is the lease released.
        await sink.releaseHeld()
        await supervisor.waitForHandOvers()
        let finished = try await harness.executions(job.id)
        #expect(finished.map(\.status) == [.success], "\(finished)")
        await supervisor.renewLeases()
        #expect(supervisor.heldShards == Self.allShards.subtracting([moving]).sorted())
        #expect(try await harness.store.acquireLease(shard: moving, node: "b", duration: 4, at: harness.clock.now()) != nil)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func runsPastTheDrainTimeoutAreSettledByTheLeaseHolderAndSentOnceMore() async throws {
        let sink = try await TestSink.start()
        let a = try await EngineHarness.make(ownedShards: [], drainTimeout: .milliseconds(100))
        let supervisor = Self.supervisor(a, lease: 100)
        await Self.takeAllShards(supervisor)
        let moving = a.context.shards.shard(forUser: a.user.id)
        let job = try await a.createJob("\(await sink.baseURL)/held", retries: 2)
        a.clock.advance(by: 60)
        #expect(await sink.waitFor(1, path: "/held"))

        supervisor.setWanted(Self.allShards.subtracting([moving]))
        await supervisor.reconcile()
        await supervisor.waitForHandOvers()
        // Settled while a still holds the lease: interrupted, with a retry due.
        let settled = try await a.executions(job.id)
        #expect(settled.map(\.status) == [.failed])
        #expect(settled.first?.error == "interrupted: the shard was handed over to another node during this attempt")
        #expect(settled.first?.retryAt != nil)
        await supervisor.renewLeases()

        // Node b takes the shard: nothing is left running for its recovery to send again as a
        // first attempt; the retry goes out as attempt 2.
        await sink.releaseHeld()
        let b = try await EngineHarness.make(reuse: a, ownedShards: [])
        let lease = try #require(try await b.store.acquireLease(shard: moving, node: "b", duration: 4, at: b.clock.now()))
        try await b.engine.startShard(moving, fence: LeaseFence(shard: moving, owner: "b", epoch: lease.epoch))
        #expect(await b.waitForAttempts(1))
        let runs = try await b.executions(job.id)
        #expect(runs.map(\.attempt) == [1, 2] && runs.map(\.status) == [.failed, .success])
        let attempts = await sink.requests("/held").map { $0.headers["runhooks-attempt"] ?? "" }
        #expect(attempts == ["1", "2"])
        await b.engine.stop()
        await a.engine.stop()
        await sink.stop()
    }

    @Test func aLeaseLostAndTakenBackStartsTheShardAfreshWithACatchUp() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make(ownedShards: [])
        let supervisor = Self.supervisor(harness)
        await Self.takeAllShards(supervisor)
        let shard = harness.context.shards.shard(forUser: harness.user.id)
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        let before = try #require(try await harness.store.leases(at: harness.clock.now()).first { $0.shard == shard })

        // The renewals stop (say, the store was unreachable) for longer than the lease, and the
        // slot that comes up meanwhile loses its claim.
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        #expect(await sink.count("/ok") == 0)
        // Taking the lease back is a new epoch: the shard restarts and catches the slot up.
        await supervisor.renewLeases()
        let after = try #require(try await harness.store.leases(at: harness.clock.now()).first { $0.shard == shard })
        #expect(after.owner == "a" && after.epoch == before.epoch + 1)
        await supervisor.reconcile()
        #expect(await harness.waitForAttempts(2))
        try await Self.expectSentOnce(job, harness: harness, sink: sink)
    }

    @Test func aLostLeaseStopsItsShardAtOnceThoughTheStoreHangsOnAClaim() async throws {
        let sink = try await TestSink.start()
        let gate = StoreGate()
        let harness = try await EngineHarness.make(ownedShards: []) { store in
            GatedWrites(store: store, gate: gate, holding: WriteJournalTests.isClaim)
        }
        let supervisor = Self.supervisor(harness)
        await Self.takeAllShards(supervisor)
        let job = try await harness.createJob("\(await sink.baseURL)/ok")

        // The slot's claim reaches a store that does not answer (its link went down), and the
        // lease runs out meanwhile: the supervisor must stop the shard without waiting for it.
        harness.clock.advance(by: 60)
        #expect(await yieldUntil { await gate.waitingCount == 1 })
        await supervisor.renewLeases()
        await supervisor.reconcile()
        // The shard started afresh under its new epoch; its claim of the slot waits its turn.
        #expect(await yieldUntil { harness.engine.journal.pendingCount == 1 })

        // The link is back: the claim under the old epoch is fenced out, the new one is sent.
        await gate.open()
        #expect(await harness.waitForAttempts(2))
        try await Self.expectSentOnce(job, harness: harness, sink: sink)
    }

    @Test func aSaturatedShardStopsItsWheelWithoutWaitingForPlacesToFreeUp() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make(inFlightCapacity: 1)
        try await harness.engine.start()
        for _ in 0..<3 { try await harness.createJob("\(await sink.baseURL)/held", timeoutMs: 30_000) }
        // Three runs come due together; the first takes the only place and its target hangs,
        // and the shard's wheel waits for that place to launch the next.
        harness.clock.advance(by: 60)
        #expect(await sink.waitFor(1, path: "/held"))
        let departure = await harness.engine.stopWheels(harness.engine.runningShards)
        #expect(await sink.count("/held") == 1)
        await sink.releaseHeld()
        await harness.engine.finishHandOver(departure)
        #expect(await sink.count("/held") == 1, "a run was launched after its shard's wheel had stopped")
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aStopAskedForWhileANodeCatchesUpEndsTheCatchUp() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make(inFlightCapacity: 1)
        for _ in 0..<3 { try await harness.createJob("\(await sink.baseURL)/held", timeoutMs: 30_000) }
        // The node was down when the three slots passed: starting, it catches them up, one
        // place at a time, and the first one's target hangs.
        harness.clock.advance(by: 90)
        var logger = Logger(label: "service-group-test")
        logger.logLevel = .warning
        let group = ServiceGroup(configuration: .init(services: [harness.engine], logger: logger))
        let running = Task { try await group.run() }
        #expect(await sink.waitFor(1, path: "/held"))
        // The hanging run is not let go: the stop must not wait for it to free its place.
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(await sink.count("/held") == 1, "the catch-up went on after the stop was asked for")
        await sink.releaseHeld()
        await sink.stop()
    }

    @Test func aFinishUnderALeaseThatMovedOnIsRefused() async throws {
        let harness = try await EngineHarness.make()
        let job = try await harness.createJob("https://x.example/")
        let shard = harness.context.shards.shard(forUser: harness.user.id)
        let lease = try #require(try await harness.store.acquireLease(shard: shard, node: "a", duration: 4, at: harness.clock.now()))
        let fence = LeaseFence(shard: shard, owner: "a", epoch: lease.epoch)
        let execution = Execution(
            id: harness.context.ids.next(), jobId: job.id, userId: job.userId, status: .running,
            scheduledFor: harness.clock.now(), attempt: 1, createdAt: harness.clock.now())
        #expect(try await harness.store.apply([.claim(execution, advancesSlot: true, fence: fence)]) == [true])
        func finish(_ status: Execution.Status, _ fence: LeaseFence) -> EngineWrite {
            .finish(
                ExecutionResult(
                    executionId: execution.id, status: status, startedAt: nil, completedAt: harness.clock.now(),
                    durationMs: 1, httpStatusCode: 200, responseBody: nil, error: nil, retryAt: nil),
                fence: fence)
        }
        harness.clock.advance(by: 5)
        let taken = try #require(try await harness.store.acquireLease(shard: shard, node: "b", duration: 4, at: harness.clock.now()))
        #expect(try await harness.store.apply([finish(.success, fence)]) == [false])
        #expect(try await harness.store.apply([finish(.failed, LeaseFence(shard: shard, owner: "b", epoch: taken.epoch))]) == [true])
        #expect(try await harness.executions(job.id).map(\.status) == [.failed])
    }
}

/// Holds the store's batches that `holding` picks until the test opens it.
actor StoreGate {
    private var isOpen = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func pass() async {
        if !isOpen { await withCheckedContinuation { waiting.append($0) } }
    }

    func open() {
        isOpen = true
        for waiter in waiting { waiter.resume() }
        waiting = []
    }

    var waitingCount: Int { waiting.count }
}

/// The store, behind a gate for batches that hold a write `holding` says yes to.
struct GatedWrites: EngineWriteApplying {
    let store: any EngineWriteApplying
    let gate: StoreGate
    let holding: @Sendable (EngineWrite) -> Bool

    func apply(_ writes: [EngineWrite]) async throws -> [Bool] {
        if writes.contains(where: holding) { await gate.pass() }
        return try await store.apply(writes)
    }
}
