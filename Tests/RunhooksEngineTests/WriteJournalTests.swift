import Foundation
import Logging
import RunhooksCore
import RunhooksStore
import Synchronization
import Testing

@testable import RunhooksEngine

/// The store as the journal sees it, failing the batches a test asks it to fail.
final class FailingWrites: EngineWriteApplying {
    struct Outage: Error, CustomStringConvertible {
        var description: String { "injected store failure" }
    }

    private let store: any EngineWriteApplying
    /// Fails this many batches that contain a write `matching` says yes to.
    private let remaining: Mutex<Int>
    private let matching: @Sendable (EngineWrite) -> Bool
    /// Batches that contain a write this says yes to go through.
    private let sparing: @Sendable (EngineWrite) -> Bool
    private let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
    let failed = Mutex(0)

    init(
        _ store: any EngineWriteApplying, failing count: Int, matching: @escaping @Sendable (EngineWrite) -> Bool,
        sparing: @escaping @Sendable (EngineWrite) -> Bool = { _ in false }
    ) {
        self.store = store
        remaining = Mutex(count)
        self.matching = matching
        self.sparing = sparing
    }

    /// The outage ends: no batch fails from now on.
    func heal() {
        remaining.withLock { $0 = 0 }
    }

    func apply(_ writes: [EngineWrite]) async throws -> [Bool] {
        let fail = writes.contains(where: matching) && !writes.contains(where: sparing) && remaining.withLock { remaining in
            guard remaining > 0 else { return false }
            remaining -= 1
            return true
        }
        if fail {
            failed.withLock { $0 += 1 }
            throw Outage()
        }
        return try await store.apply(writes)
    }
}

/// A store that applies every batch holding a claim and then fails it, as when a connection
/// drops during the COMMIT: the writes stand, the caller hears an error. Until `heal()`.
final class LostAnswers: EngineWriteApplying {
    private let store: any EngineWriteApplying
    private let state = Mutex((healed: false, lost: 0))

    init(_ store: any EngineWriteApplying) {
        self.store = store
    }

    func heal() {
        state.withLock { $0.healed = true }
    }

    var lostCount: Int { state.withLock { $0.lost } }

    func apply(_ writes: [EngineWrite]) async throws -> [Bool] {
        let results = try await store.apply(writes)
        let lose = writes.contains(where: WriteJournalTests.isClaim) && state.withLock { state in
            guard !state.healed else { return false }
            state.lost += 1
            return true
        }
        if lose { throw FailingWrites.Outage() }
        return results
    }
}

/// A store that holds every batch until the test lets it go.
actor BlockedWrites: EngineWriteApplying {
    private var open = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private(set) var batches: [[EngineWrite]] = []

    func apply(_ writes: [EngineWrite]) async throws -> [Bool] {
        if !open { await withCheckedContinuation { waiting.append($0) } }
        batches.append(writes)
        return writes.map { _ in true }
    }

    func release() {
        open = true
        for waiter in waiting { waiter.resume() }
        waiting = []
    }

    var waitingCount: Int { waiting.count }
}

/// Yields until `condition` holds (true) or 100,000 yields have passed (false): waits for
/// another task to reach a point without waiting for time to pass.
func yieldUntil(_ condition: @Sendable () async -> Bool) async -> Bool {
    for _ in 0..<100_000 {
        if await condition() { return true }
        await Task.yield()
    }
    return await condition()
}

/// Pauses that last until the test ends them.
actor HeldPauses {
    private(set) var requested: [Duration] = []
    private var held: [CheckedContinuation<Void, Never>] = []

    func pause(_ duration: Duration) async {
        requested.append(duration)
        await withCheckedContinuation { held.append($0) }
    }

    func endOne() {
        if !held.isEmpty { held.removeFirst().resume() }
    }

    var heldCount: Int { held.count }
}

@Suite struct WriteJournalTests {
    static func isFinish(_ write: EngineWrite) -> Bool {
        if case .finish = write { return true }
        return false
    }

    static func isClaim(_ write: EngineWrite) -> Bool {
        if case .claim = write { return true }
        return false
    }

    /// A sink and a started engine whose store fails `count` batches holding a write `matching`
    /// says yes to (every claim, by default) until `heal()`.
    static func startedWithFailingWrites(
        failing count: Int = .max, matching: @escaping @Sendable (EngineWrite) -> Bool = isClaim
    ) async throws -> (TestSink, EngineHarness, FailingWrites) {
        let sink = try await TestSink.start()
        let writes = Mutex<FailingWrites?>(nil)
        let harness = try await EngineHarness.make(writes: { store in
            let failing = FailingWrites(store, failing: count, matching: matching)
            writes.withLock { $0 = failing }
            return failing
        })
        try await harness.engine.start()
        return (sink, harness, try #require(writes.withLock { $0 }))
    }

    /// A sink and a started engine whose store applies every batch holding a claim and then
    /// fails it (`LostAnswers`) until `heal()`.
    static func startedWithLostAnswers() async throws -> (TestSink, EngineHarness, LostAnswers) {
        let sink = try await TestSink.start()
        let lostAnswers = Mutex<LostAnswers?>(nil)
        let harness = try await EngineHarness.make(writes: { store in
            let lost = LostAnswers(store)
            lostAnswers.withLock { $0 = lost }
            return lost
        })
        try await harness.engine.start()
        return (sink, harness, try #require(lostAnswers.withLock { $0 }))
    }

    @Test func finishesThatFailToCommitAreRetriedUntilTheStoreIsBack() async throws {
        let sink = try await TestSink.start()
        // Only batches of finishes fail: the two attempts run on their own threads, and a claim
        // that shared a failing batch would (rightly) not be sent, which is another test.
        let harness = try await EngineHarness.make(writes: {
            FailingWrites($0, failing: 3, matching: Self.isFinish, sparing: Self.isClaim)
        })
        try await harness.engine.start()
        let ok = try await harness.createJob("\(await sink.baseURL)/ok")
        let failing = try await harness.createJob("\(await sink.baseURL)/fail")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(2))
        #expect(harness.engine.journal.pendingCount == 0)
        // Every execution reached its final status, though the first finishes hit the outage.
        #expect(try await harness.executions(ok.id).map(\.status) == [.success])
        #expect(try await harness.executions(failing.id).map(\.status) == [.deadLetter])
        let usage = try await harness.store.runCounts(userId: harness.user.id, at: harness.clock.now())
        #expect(usage.daily == 2)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aClaimWhoseBatchFailsIsTriedAgainAndItsSlotSentOnce() async throws {
        let (sink, harness, writes) = try await Self.startedWithFailingWrites(failing: 2)
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        // The store failed the claim's first two batches (a restart, a lost connection); the
        // slot went out once, late, instead of being lost.
        #expect(writes.failed.withLock { $0 } == 2)
        #expect(await sink.count("/ok") == 1)
        #expect(try await harness.executions(job.id).map(\.status) == [.success])
        #expect(try await harness.store.runCounts(userId: harness.user.id, at: harness.clock.now()).daily == 1)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aClaimTheStoreKeepsFailingPastTheRetryWindowIsNotSentAndCostsNoQuota() async throws {
        let (sink, harness, writes) = try await Self.startedWithFailingWrites()
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        harness.clock.advance(by: 60)
        #expect(await yieldUntil { writes.failed.withLock { $0 } >= 1 })
        // Still failing once the window has passed: the attempt gives up.
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow + 1)
        #expect(await harness.waitForAttempts(1))
        #expect(await sink.count("/ok") == 0, "a request left without a durable claim")
        #expect(try await harness.executions(job.id).isEmpty)
        #expect(try await harness.store.runCounts(userId: harness.user.id, at: harness.clock.now()).daily == 0)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aSlotTheStoreFailedPastTheRetryWindowGoesOutOnceTheStoreIsBack() async throws {
        let (sink, harness, writes) = try await Self.startedWithFailingWrites()
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        harness.clock.advance(by: 60)
        let slot = harness.clock.now()
        #expect(await yieldUntil { writes.failed.withLock { $0 } >= 1 })
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow + 1)
        #expect(await harness.waitForAttempts(1))
        #expect(harness.engine.events.total(.attemptNotClaimed) == 1)
        #expect(await sink.count("/ok") == 0)
        writes.heal()
        // The store answers again: the slot goes out late, once, as itself.
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow)
        #expect(await harness.waitForAttempts(2))
        #expect(await sink.count("/ok") == 1)
        let executions = try await harness.executions(job.id)
        #expect(executions.map(\.status) == [.success])
        #expect(executions.map(\.scheduledFor) == [slot])
        #expect(executions.map(\.missedSlots) == [0])
        #expect(try await harness.store.runCounts(userId: harness.user.id, at: harness.clock.now()).daily == 1)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func theLatestOfAJobsUnclaimedSlotsGoesOutOnceWithTheOthersCountedAsMissed() async throws {
        let (sink, harness, writes) = try await Self.startedWithFailingWrites()
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        let events = harness.engine.events
        harness.clock.advance(by: 60)
        #expect(await yieldUntil { events.total(.attemptWaitedForStore) >= 1 })
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow + 1)
        #expect(await harness.waitForAttempts(1))
        // The next slot comes with the store still failing, as does the first one's second try.
        harness.clock.advance(by: 60 - DeliveryRunner.claimRetryWindow - 1)
        let latest = harness.clock.now()
        let waited = events.total(.attemptWaitedForStore)
        #expect(await events.waitFor(.attemptWaitedForStore, total: waited + 2))
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow + 1)
        #expect(await harness.waitForAttempts(3))
        #expect(events.total(.attemptNotClaimed) == 3)
        #expect(await sink.count("/ok") == 0)
        writes.heal()
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow)
        #expect(await harness.waitForAttempts(4))
        #expect(await sink.count("/ok") == 1)
        let executions = try await harness.executions(job.id)
        #expect(executions.map(\.scheduledFor) == [latest])
        #expect(executions.map(\.missedSlots) == [1])
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aRetryTheStoreFailedPastTheRetryWindowIsTriedAgainOnceTheStoreIsBack() async throws {
        let (sink, harness, writes) = try await Self.startedWithFailingWrites { write in
            if case .claim(let execution, _, _, _) = write { return execution.attempt == 2 }
            return false
        }
        let job = try await harness.createJob("\(await sink.baseURL)/fail", retries: 1)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        harness.clock.advance(by: 1)
        #expect(await yieldUntil { writes.failed.withLock { $0 } >= 1 })
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow + 1)
        #expect(await harness.waitForAttempts(2))
        #expect(harness.engine.events.total(.attemptNotClaimed) == 1)
        writes.heal()
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow)
        #expect(await harness.waitForAttempts(3))
        #expect(await sink.count("/fail") == 2)
        #expect(try await harness.executions(job.id).map(\.status) == [.failed, .deadLetter])
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aRunNowTheStoreFailedPastTheRetryWindowGoesOutOnceTheStoreIsBack() async throws {
        let (sink, harness, writes) = try await Self.startedWithFailingWrites()
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        let trigger = try await harness.recordRunRequest(for: job)
        await harness.engine.runRequested(trigger)
        #expect(await yieldUntil { writes.failed.withLock { $0 } >= 1 })
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow + 1)
        #expect(await harness.waitForAttempts(1))
        #expect(harness.engine.events.total(.attemptNotClaimed) == 1)
        #expect(await sink.count("/ok") == 0)
        writes.heal()
        // The store answers again: the run the API accepted goes out, once.
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow)
        #expect(await harness.waitForAttempts(2))
        #expect(await sink.count("/ok") == 1)
        #expect(try await harness.executions(job.id).map(\.status) == [.success])
        #expect(try await harness.store.pendingReplayRequests(limit: 10).isEmpty)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aRequestedRunWhoseClaimCommittedUnseenIsSentOnceUnderItsOwnClaim() async throws {
        // The first batch holding the claim commits, but its answer is lost (the store fails
        // it after applying it): the run is tried again under the same execution id, and the
        // store recognises the claim as the one already made.
        let (sink, harness, lost) = try await Self.startedWithLostAnswers()
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        let trigger = try await harness.recordRunRequest(for: job)
        await harness.engine.runRequested(trigger)
        #expect(await yieldUntil { lost.lostCount >= 1 })
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow + 1)
        #expect(await harness.waitForAttempts(1))
        lost.heal()
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow)
        #expect(await harness.waitForAttempts(2))
        #expect(await sink.count("/ok") == 1)
        let executions = try await harness.executions(job.id)
        #expect(executions.map(\.status) == [.success])
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aSlotWhoseClaimCommittedUnseenGoesOutOnceUnderThatClaim() async throws {
        let (sink, harness, lost) = try await Self.startedWithLostAnswers()
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        harness.clock.advance(by: 60)
        let slot = harness.clock.now()
        #expect(await yieldUntil { lost.lostCount >= 1 })
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow + 1)
        #expect(await harness.waitForAttempts(1))
        #expect(await sink.count("/ok") == 0)
        lost.heal()
        harness.clock.advance(by: DeliveryRunner.claimRetryWindow)
        #expect(await harness.waitForAttempts(2))
        #expect(await sink.count("/ok") == 1)
        let executions = try await harness.executions(job.id)
        #expect(executions.map(\.status) == [.success])
        #expect(executions.map(\.scheduledFor) == [slot])
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aFullBufferPushesBackOnTheWriter() async throws {
        let store = BlockedWrites()
        let journal = WriteJournal(store: store, logger: Logger(label: "journal-test"), capacity: 2)
        let date = Date(milliseconds: 1_736_942_400_000)
        // The first write is taken by the flusher, which the store holds; two more fill the buffer.
        await journal.enqueue(.requestHandled(id: "r0", at: date))
        #expect(await yieldUntil { await store.waitingCount == 1 })
        for id in 1..<3 { await journal.enqueue(.requestHandled(id: "r\(id)", at: date)) }
        #expect(journal.pendingCount == 2)
        let fourth = Task { await journal.enqueue(.requestHandled(id: "r3", at: date)) }
        // The fourth waits for room instead of growing the buffer, until the store takes batches.
        #expect(await yieldUntil { journal.writersWaitingForRoom == 1 })
        #expect(journal.pendingCount == 2)
        await store.release()
        await fourth.value
        await journal.drain()
        let written = await store.batches.flatMap { $0 }
        #expect(written.count == 4)
        #expect(written.last == .requestHandled(id: "r3", at: date))
    }

    @Test func aCancelledCommitReturnsAtOnceWhileTheStoreHangsAndItsWriteStillLands() async throws {
        let store = BlockedWrites()
        let journal = WriteJournal(store: store, logger: Logger(label: "journal-test"))
        let date = Date(milliseconds: 1_736_942_400_000)
        // The first batch hangs in the store (a link that went down); the commit waits behind it.
        await journal.enqueue(.requestHandled(id: "held", at: date))
        #expect(await yieldUntil { await store.waitingCount == 1 })
        let commit = Task { try await journal.commit(.requestHandled(id: "claimed", at: date)) }
        #expect(await yieldUntil { journal.pendingCount == 1 })
        commit.cancel()
        await #expect(throws: CancellationError.self) { try await commit.value }
        #expect(await store.waitingCount == 1, "the commit returned only because the store answered")
        // Cancelled before it was buffered: the write is dropped.
        let late = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await journal.commit(.requestHandled(id: "never", at: date))
        }
        await #expect(throws: CancellationError.self) { try await late.value }
        await store.release()
        await journal.drain()
        #expect(await store.batches.flatMap { $0 } == [
            .requestHandled(id: "held", at: date), .requestHandled(id: "claimed", at: date),
        ])
    }

    @Test func writesThatComeDuringACommitWaitTheLingerAndGoTogether() async throws {
        let store = BlockedWrites()
        let pauses = HeldPauses()
        // An hour: the pauses are the test's, so only their order matters, never the time.
        let journal = WriteJournal(
            store: store, logger: Logger(label: "journal-test"), linger: .seconds(3600), sleep: { await pauses.pause($0) })
        let date = Date(milliseconds: 1_736_942_400_000)
        await journal.enqueue(.requestHandled(id: "a", at: date))
        #expect(await yieldUntil { await pauses.heldCount == 1 }, "the first write did not wait for company")
        await pauses.endOne()
        #expect(await yieldUntil { await store.waitingCount == 1 })
        // B comes while A's batch commits; C comes while the journal waits out the linger.
        await journal.enqueue(.requestHandled(id: "b", at: date))
        await store.release()
        #expect(await yieldUntil { await pauses.heldCount == 1 }, "the next batch started without waiting")
        await journal.enqueue(.requestHandled(id: "c", at: date))
        #expect(await yieldUntil { await pauses.heldCount == 1 })
        await pauses.endOne()
        await journal.drain()
        #expect(await store.batches == [
            [.requestHandled(id: "a", at: date)], [.requestHandled(id: "b", at: date), .requestHandled(id: "c", at: date)],
        ])
        // What is left of the linger after a commit, never more than the linger.
        #expect(await pauses.requested.allSatisfy { $0 <= .seconds(3600) && $0 > .seconds(3590) })
    }

    @Test func backoffDoublesUpToItsCeiling() {
        let delays = WriteJournal.RetryDelays(initial: .milliseconds(50), maximum: .seconds(1))
        #expect((1...7).map { delays.delay(afterFailures: $0) } == [
            .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
            .seconds(1), .seconds(1),
        ])
    }
}

extension WriteJournalTests {
    @Test func aClaimThatLosesItsRaceCostsNoQuota() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        // Another claimant (say, a node whose lease was still valid) took the first slot.
        let slot = job.anchorAt + 60
        let theirs = Execution(
            id: harness.context.ids.next(), jobId: job.id, userId: job.userId, status: .success, scheduledFor: slot,
            attempt: 1, createdAt: slot)
        #expect(try await harness.store.apply([.claim(theirs, advancesSlot: true)]) == [true])
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        #expect(await sink.count("/ok") == 0)
        #expect(try await harness.store.runCounts(userId: harness.user.id, at: harness.clock.now()).daily == 0)
        await harness.engine.stop()
        await sink.stop()
    }
}
