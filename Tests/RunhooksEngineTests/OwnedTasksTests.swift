import Testing

@testable import RunhooksEngine

@Suite struct OwnedTasksTests {
    /// The shard supervisor treats an owned query still running as a stuck store, so a result
    /// must come back only once its task has stopped counting: asking again at once is fine.
    @Test func aResultComesBackOnlyOnceItsTaskNoLongerCountsAsRunning() async throws {
        let tasks = OwnedTasks()
        for round in 0..<500 {
            let value = try await tasks.result(within: .seconds(60)) { round }
            #expect(value == round)
            #expect(tasks.count == 0, "round \(round)")
        }
        await tasks.finish(timeout: .seconds(5))
    }

    /// What the order above rests on, without a race to win: `afterEnd` runs once its task has
    /// left the count.
    @Test func afterEndRunsOnceTheTaskNoLongerCounts() async throws {
        let tasks = OwnedTasks()
        let seen = AsyncStream<Int>.makeStream()
        tasks.run({}, afterEnd: { seen.continuation.yield(tasks.count) })
        var iterator = seen.stream.makeAsyncIterator()
        #expect(await iterator.next() == 0)
        await tasks.finish(timeout: .seconds(5))
    }

    @Test func workPastItsTimeLimitGoesOnInTheBackgroundStillOwned() async throws {
        let tasks = OwnedTasks()
        let gate = AsyncStream<Void>.makeStream()
        await #expect(throws: DeadlineExceeded.self) {
            try await tasks.result(within: .milliseconds(10)) {
                for await _ in gate.stream {}
                return 1
            }
        }
        #expect(tasks.count == 1)
        gate.continuation.finish()
        await tasks.waitUntilIdle()
        #expect(tasks.count == 0)
        await tasks.finish(timeout: .seconds(5))
    }

    @Test func afterFinishNothingMoreRuns() async throws {
        let tasks = OwnedTasks()
        await tasks.finish(timeout: .seconds(1))
        await #expect(throws: CancellationError.self) { try await tasks.result(within: .seconds(1)) { 1 } }
    }
}
