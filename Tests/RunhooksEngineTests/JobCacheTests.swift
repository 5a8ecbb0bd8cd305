import Foundation
import Testing

@testable import RunhooksCore
@testable import RunhooksEngine

@Suite struct JobCacheTests {
    static func job(_ id: String, user: String = "u1", name: String = "Sync") -> Job {
        let now = Date(milliseconds: 1_700_000_000_000)
        return Job(
            id: id, userId: user, name: name, description: nil,
            schedule: Schedule(kind: .cron, expression: "*/5 * * * *", timezone: "UTC"),
            httpConfig: HTTPConfig(url: "https://x.example", method: .POST, headers: nil, body: nil, timeoutMs: 1000),
            retryPolicy: .default, status: .active, tags: [], createdAt: now, updatedAt: now, anchorAt: now)
    }

    @Test func aReadJobIsServedToItsOwnerOnly() {
        let cache = JobCache()
        cache.fill(Self.job("j1"), shard: 3, generation: cache.generation)
        #expect(cache.job(id: "j1", userId: "u1", shard: 3)?.name == "Sync")
        #expect(cache.job(id: "j1", userId: "someone else", shard: 3) == nil)
        #expect(cache.job(id: "j2", userId: "u1", shard: 3) == nil)
    }

    @Test func aChangeReplacesTheJobAndADeleteRemovesIt() {
        let cache = JobCache()
        cache.fill(Self.job("j1"), shard: 3, generation: cache.generation)
        cache.changed(id: "j1", to: Self.job("j1", name: "Renamed"), shard: 3)
        #expect(cache.job(id: "j1", userId: "u1", shard: 3)?.name == "Renamed")
        cache.changed(id: "j1", to: nil, shard: 3)
        #expect(cache.job(id: "j1", userId: "u1", shard: 3) == nil)
    }

    /// A read that began before a change and ends after it would put the old job back.
    @Test func aReadOvertakenByAChangeIsNotKept() {
        let cache = JobCache()
        let before = cache.generation
        cache.changed(id: "j1", to: nil, shard: 3)  // deleted while the read was in the store
        cache.fill(Self.job("j1"), shard: 3, generation: before)
        #expect(cache.job(id: "j1", userId: "u1", shard: 3) == nil)
        let otherShard = cache.generation
        cache.fill(Self.job("j2"), shard: 4, generation: otherShard)
        #expect(cache.job(id: "j2", userId: "u1", shard: 4) != nil, "another shard's change does not matter")
    }

    /// A busy tenant's writes do not empty the cache of every other job of its shard.
    @Test func aChangeOfOneJobLeavesTheOtherJobsOfItsShardCached() {
        let cache = JobCache()
        cache.fill(Self.job("j1"), shard: 3, generation: cache.generation)
        let readOfJ2 = cache.generation
        cache.changed(id: "j3", to: Self.job("j3"), shard: 3)
        cache.changed(id: "j4", to: nil, shard: 3)
        cache.fill(Self.job("j2"), shard: 3, generation: readOfJ2)
        #expect(cache.job(id: "j1", userId: "u1", shard: 3)?.name == "Sync")
        #expect(cache.job(id: "j2", userId: "u1", shard: 3) != nil, "a read overtaken by another job's change is kept")
        #expect(cache.job(id: "j3", userId: "u1", shard: 3) != nil)
    }

    @Test func aReadOvertakenByItsShardStartingIsNotKept() {
        let cache = JobCache()
        let before = cache.generation
        cache.forget(shard: 3)
        cache.fill(Self.job("j1"), shard: 3, generation: before)
        #expect(cache.job(id: "j1", userId: "u1", shard: 3) == nil)
        cache.fill(Self.job("j1"), shard: 3, generation: cache.generation)
        #expect(cache.job(id: "j1", userId: "u1", shard: 3) != nil)
    }

    /// Past `changesKept` the record of changes starts over; a read older than that is not kept
    /// even when its own job did not change (it cannot be told apart from one that did).
    @Test func theRecordOfChangesIsBoundedAndNeverLetsAStaleReadIn() {
        let cache = JobCache(changesKept: 3)
        let readOfJ1 = cache.generation
        cache.changed(id: "j1", to: nil, shard: 3)
        for index in 2...5 { cache.changed(id: "j\(index)", to: Self.job("j\(index)"), shard: 3) }
        cache.fill(Self.job("j1"), shard: 3, generation: readOfJ1)
        #expect(cache.job(id: "j1", userId: "u1", shard: 3) == nil, "the deleted job does not come back")
        let fresh = cache.generation
        cache.changed(id: "j2", to: Self.job("j2", name: "Renamed"), shard: 3)
        cache.fill(Self.job("j2"), shard: 3, generation: fresh)
        #expect(cache.job(id: "j2", userId: "u1", shard: 3)?.name == "Renamed")
        cache.fill(Self.job("j9"), shard: 3, generation: fresh)
        #expect(cache.job(id: "j9", userId: "u1", shard: 3) != nil)
    }

    @Test func aShardThatStartsOrLeavesIsForgotten() {
        let cache = JobCache()
        cache.fill(Self.job("j1"), shard: 3, generation: cache.generation)
        cache.fill(Self.job("j2"), shard: 4, generation: cache.generation)
        cache.forget(shard: 3)
        #expect(cache.job(id: "j1", userId: "u1", shard: 3) == nil)
        #expect(cache.job(id: "j2", userId: "u1", shard: 4) != nil)
        #expect(cache.count == 1)
    }

    @Test func itHoldsAtMostItsCapacity() {
        let cache = JobCache(capacity: 10)
        for index in 0..<25 { cache.fill(Self.job("j\(index)"), shard: 1, generation: cache.generation) }
        #expect(cache.count == 10)
    }
}
