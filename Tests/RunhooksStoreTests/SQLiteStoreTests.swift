import Foundation
import RunhooksCore
import Testing

@testable import RunhooksStore

/// A fresh store in its own temporary directory.
struct TemporaryStore {
    let directory: URL
    let store: SQLiteStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("runhooks-store-\(UUID().uuidString)")
        store = try SQLiteStore(path: directory.appendingPathComponent("runhooks.sqlite").path)
    }

    func reopen() throws -> SQLiteStore {
        try SQLiteStore(path: directory.appendingPathComponent("runhooks.sqlite").path)
    }
}

enum Fixtures {
    static let ids = ObjectIDGenerator()
    static let now = Date(milliseconds: 1_736_942_400_000)

    static func user(email: String? = nil) -> User {
        User(
            id: ids.next(), email: email, name: "Tester", role: .user, plan: .free, isAnonymous: email == nil,
            apiKeyPrefix: "rh_live_abcd", createdAt: now, updatedAt: now)
    }

    static func job(userId: String, name: String = "Sync", tags: [String] = [], status: Job.Status = .active) -> Job {
        Job(
            id: ids.next(), userId: userId, name: name, description: nil,
            schedule: Schedule(kind: .cron, expression: "*/5 * * * *", timezone: "Europe/London"),
            httpConfig: HTTPConfig(url: "https://x.example", method: .POST, headers: ["X-A": "1"], body: "{}", timeoutMs: 1000),
            retryPolicy: .default, status: status, tags: tags, createdAt: now, updatedAt: now, anchorAt: now)
    }

    static func execution(job: Job, status: Execution.Status = .success, attempt: Int = 1, offsetMs: Int64 = 0) -> Execution {
        Execution(
            id: ids.next(), jobId: job.id, userId: job.userId, status: status,
            scheduledFor: Date(milliseconds: now.millisecondsSince1970 + offsetMs), attempt: attempt,
            createdAt: Date(milliseconds: now.millisecondsSince1970 + offsetMs))
    }
}

@Suite struct SQLiteStoreTests {
    @Test func usersRoundTripAndEmailsAreUnique() async throws {
        let temporary = try TemporaryStore()
        let email = "a" + "\u{40}" + "example.com"
        let user = Fixtures.user(email: email)
        try await temporary.store.insertUser(user, passwordHash: "hash", apiKeyHash: "k1")
        #expect(try await temporary.store.user(id: user.id) == user)
        #expect(try await temporary.store.user(apiKeyHash: "k1") == user)
        #expect(try await temporary.store.userWithPassword(email: email)?.passwordHash == "hash")
        await #expect(throws: StoreError.duplicateEmail) {
            try await temporary.store.insertUser(Fixtures.user(email: email), passwordHash: nil, apiKeyHash: "k2")
        }
    }

    @Test func rotatingTheKeyReplacesTheOldHash() async throws {
        let temporary = try TemporaryStore()
        let user = Fixtures.user()
        try await temporary.store.insertUser(user, passwordHash: nil, apiKeyHash: "old")
        #expect(try await temporary.store.replaceAPIKey(userId: user.id, hash: "new", prefix: "rh_live_new1", at: Fixtures.now))
        #expect(try await temporary.store.user(apiKeyHash: "old") == nil)
        #expect(try await temporary.store.user(apiKeyHash: "new")?.apiKeyPrefix == "rh_live_new1")
    }

    @Test func refreshTokensWorkOnceAndReuseIsReported() async throws {
        let temporary = try TemporaryStore()
        let user = Fixtures.user()
        try await temporary.store.insertUser(user, passwordHash: nil, apiKeyHash: "k")
        let record = RefreshTokenRecord(
            id: "t1", userId: user.id, family: "f", expiresAt: Fixtures.now + 60, createdAt: Fixtures.now)
        try await temporary.store.insertRefreshToken(record)
        #expect(try await temporary.store.consumeRefreshToken(id: "t1", at: Fixtures.now) == .valid(userId: user.id, family: "f"))
        #expect(try await temporary.store.consumeRefreshToken(id: "t1", at: Fixtures.now) == .reused(family: "f"))
        #expect(try await temporary.store.consumeRefreshToken(id: "nope", at: Fixtures.now) == .unknown)
        try await temporary.store.insertRefreshToken(
            RefreshTokenRecord(id: "t2", userId: user.id, family: "g", expiresAt: Fixtures.now + 60, createdAt: Fixtures.now))
        #expect(try await temporary.store.consumeRefreshToken(id: "t2", at: Fixtures.now + 61) == .expired)
    }

    @Test func jobsAreScopedByUserAndFiltered() async throws {
        let temporary = try TemporaryStore()
        let alice = Fixtures.user()
        let bob = Fixtures.user()
        try await temporary.store.insertUser(alice, passwordHash: nil, apiKeyHash: "a")
        try await temporary.store.insertUser(bob, passwordHash: nil, apiKeyHash: "b")
        let sync = Fixtures.job(userId: alice.id, name: "Sync inventory", tags: ["prod"])
        let cache = Fixtures.job(userId: alice.id, name: "Refresh CACHE", tags: ["prod", "cache"], status: .paused)
        let other = Fixtures.job(userId: bob.id, name: "Sync other")
        for job in [sync, cache] { try await temporary.store.insertJob(job, shard: 1) }
        try await temporary.store.insertJob(other, shard: 2)

        #expect(try await temporary.store.job(id: sync.id, userId: alice.id) == sync)
        #expect(try await temporary.store.job(id: other.id, userId: alice.id) == nil)
        #expect(try await temporary.store.countJobs(userId: alice.id) == 2)

        let all = try await temporary.store.listJobs(userId: alice.id, filter: JobFilter(), page: PageRequest())
        #expect(Set(all.items.map(\.id)) == [sync.id, cache.id])
        let paused = try await temporary.store.listJobs(userId: alice.id, filter: JobFilter(status: .paused), page: PageRequest())
        #expect(paused.items.map(\.id) == [cache.id])
        let tagged = try await temporary.store.listJobs(userId: alice.id, filter: JobFilter(tag: "cache"), page: PageRequest())
        #expect(tagged.items.map(\.id) == [cache.id])
        let named = try await temporary.store.listJobs(userId: alice.id, filter: JobFilter(namePattern: "cache$"), page: PageRequest())
        #expect(named.items.map(\.id) == [cache.id])
        let page = try await temporary.store.listJobs(userId: alice.id, filter: JobFilter(), page: PageRequest(page: 2, limit: 1))
        #expect(page.items.count == 1 && page.total == 2 && page.totalPages == 2)

        #expect(try await temporary.store.deleteJob(id: other.id, userId: alice.id) == false)
        #expect(try await temporary.store.deleteJob(id: sync.id, userId: alice.id))
        #expect(try await temporary.store.job(id: sync.id, userId: alice.id) == nil)
    }

    @Test func executionSlotsAreClaimedOnce() async throws {
        let temporary = try TemporaryStore()
        let user = Fixtures.user()
        try await temporary.store.insertUser(user, passwordHash: nil, apiKeyHash: "k")
        let job = Fixtures.job(userId: user.id)
        try await temporary.store.insertJob(job, shard: 0)
        let first = Fixtures.execution(job: job)
        try await temporary.store.insertExecution(first)
        var duplicate = first
        duplicate.id = Fixtures.ids.next()
        await #expect(throws: StoreError.duplicateExecution) { try await temporary.store.insertExecution(duplicate) }
        try await temporary.store.insertExecution(Fixtures.execution(job: job, status: .failed, attempt: 2))

        let failed = try await temporary.store.listExecutions(
            userId: user.id, filter: ExecutionFilter(status: .failed), page: PageRequest())
        #expect(failed.items.map(\.attempt) == [2])
        let stranger = try await temporary.store.listExecutions(userId: "someone", filter: ExecutionFilter(), page: PageRequest())
        #expect(stranger.total == 0)
        #expect(try await temporary.store.execution(id: first.id, userId: user.id) == first)
        #expect(try await temporary.store.execution(id: first.id, userId: "someone") == nil)
    }

    @Test func deletingAJobDeletesItsExecutionsAndScopedAlerts() async throws {
        let temporary = try TemporaryStore()
        let user = Fixtures.user()
        try await temporary.store.insertUser(user, passwordHash: nil, apiKeyHash: "k")
        let job = Fixtures.job(userId: user.id)
        try await temporary.store.insertJob(job, shard: 0)
        try await temporary.store.insertExecution(Fixtures.execution(job: job))
        let alert = AlertConfig(
            id: Fixtures.ids.next(), userId: user.id, name: "a", channel: .webhook, target: "https://x.example",
            jobId: job.id, consecutiveFailuresThreshold: 1, cooldownMinutes: 0, enabled: true,
            createdAt: Fixtures.now, updatedAt: Fixtures.now)
        try await temporary.store.insertAlert(alert)
        #expect(try await temporary.store.deleteJob(id: job.id, userId: user.id))
        #expect(try await temporary.store.listExecutions(userId: user.id, filter: .init(), page: .init()).total == 0)
        #expect(try await temporary.store.countAlerts(userId: user.id) == 0)
    }

    @Test func runCountersAddUpPerDayAndMonth() async throws {
        let temporary = try TemporaryStore()
        let user = Fixtures.user()
        try await temporary.store.insertUser(user, passwordHash: nil, apiKeyHash: "k")
        try await temporary.store.addRuns(userId: user.id, count: 2, at: Fixtures.now)
        try await temporary.store.addRuns(userId: user.id, count: 1, at: Fixtures.now + 86_400)
        #expect(try await temporary.store.runCounts(userId: user.id, at: Fixtures.now) == RunCounts(daily: 2, monthly: 3))
        #expect(try await temporary.store.runCounts(userId: user.id, at: Fixtures.now + 86_400) == RunCounts(daily: 1, monthly: 3))
    }

    @Test func dataAndShardCountSurviveReopening() async throws {
        let temporary = try TemporaryStore()
        #expect(try await temporary.store.shardCount(proposing: 16) == 16)
        let user = Fixtures.user()
        try await temporary.store.insertUser(user, passwordHash: nil, apiKeyHash: "k")
        try temporary.store.close()
        let reopened = try temporary.reopen()
        #expect(try await reopened.user(id: user.id) == user)
        #expect(try await reopened.shardCount(proposing: 64) == 16)
    }

    @Test func pingFailsWhenTheDatabaseFileIsGone() async throws {
        let temporary = try TemporaryStore()
        _ = try await temporary.store.ping()
        try FileManager.default.removeItem(at: temporary.directory)
        await #expect(throws: StoreError.self) { try await temporary.store.ping() }
    }
}

@Suite struct ShardLeaseTests {
    @Test func leasesAreFencedByCompareAndSet() async throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        let start = Fixtures.now
        let first = try #require(try await store.acquireLease(shard: 3, node: "a", duration: 10, at: start))
        #expect(first.epoch == 1 && first.owner == "a")
        // Another node cannot take an unexpired lease; the owner renews it without a new epoch.
        #expect(try await store.acquireLease(shard: 3, node: "b", duration: 10, at: start + 5) == nil)
        #expect(try await store.acquireLease(shard: 3, node: "a", duration: 10, at: start + 5)?.epoch == 1)
        // Once it expires, the next node takes it with a higher epoch, and the old owner is out.
        let taken = try #require(try await store.acquireLease(shard: 3, node: "b", duration: 10, at: start + 16))
        #expect(taken.epoch == 2 && taken.owner == "b")
        #expect(try await store.acquireLease(shard: 3, node: "a", duration: 10, at: start + 17) == nil)
        // A graceful release hands it over at once.
        try await store.releaseLease(shard: 3, node: "b")
        #expect(try await store.acquireLease(shard: 3, node: "a", duration: 10, at: start + 18)?.epoch == 3)
        // Shards are independent.
        #expect(try await store.acquireLease(shard: 4, node: "b", duration: 10, at: start + 18)?.epoch == 1)
    }
}
