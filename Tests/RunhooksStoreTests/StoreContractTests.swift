import Foundation
import RunhooksCore
import Testing

@testable import RunhooksStore

/// One behaviour, every backend: each test runs against SQLite and (when a test server is
/// configured) PostgreSQL, each on a fresh, empty store.
@Suite struct StoreContractTests {
    @Test(arguments: Backend.available) func usersRoundTripAndEmailsAreUnique(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let email = "a" + "\u{40}" + "example.com"
        let user = Fixtures.user(email: email)
        try await store.insertUser(user, passwordHash: "hash", apiKeyHash: "k1")
        #expect(try await store.user(id: user.id) == user)
        #expect(try await store.user(apiKeyHash: "k1") == user)
        #expect(try await store.userWithPassword(email: email)?.passwordHash == "hash")
        await #expect(throws: StoreError.duplicateEmail) {
            try await store.insertUser(Fixtures.user(email: email), passwordHash: nil, apiKeyHash: "k2")
        }
        #expect(try await store.setPlan(.growth, forUser: email, at: Fixtures.now)?.plan == .growth)
        #expect(try await store.setRole(.admin, forUser: user.id, at: Fixtures.now)?.role == .admin)
        #expect(try await store.setRole(.admin, forUser: "nobody", at: Fixtures.now) == nil)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func rotatingTheKeyReplacesTheOldHash(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let user = Fixtures.user()
        try await store.insertUser(user, passwordHash: nil, apiKeyHash: "old")
        #expect(
            try await store.replaceAPIKey(userId: user.id, replacing: user.apiKeyPrefix, hash: "new", prefix: "rh_live_new1", at: Fixtures.now))
        #expect(
            try await store.replaceAPIKey(userId: "nobody", replacing: "rh_live_abcd", hash: "x", prefix: "rh_live_x", at: Fixtures.now)
                == false)
        #expect(try await store.user(apiKeyHash: "old") == nil)
        #expect(try await store.user(apiKeyHash: "new")?.apiKeyPrefix == "rh_live_new1")
        // A second rotation from the same reading of the account loses: the first one's key stays.
        #expect(
            try await store.replaceAPIKey(userId: user.id, replacing: user.apiKeyPrefix, hash: "newer", prefix: "rh_live_new2", at: Fixtures.now)
                == false)
        #expect(try await store.user(apiKeyHash: "new")?.apiKeyPrefix == "rh_live_new1")
        #expect(try await store.user(apiKeyHash: "newer") == nil)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func everyAccountChangeGrowsTheCredentialsGeneration(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let user = Fixtures.user()
        try await store.insertUser(user, passwordHash: nil, apiKeyHash: "old")
        let start = try await store.credentialsGeneration()
        #expect(
            try await store.replaceAPIKey(userId: user.id, replacing: user.apiKeyPrefix, hash: "new", prefix: "rh_live_new1", at: Fixtures.now))
        let afterRotation = try await store.credentialsGeneration()
        _ = try await store.setPlan(.growth, forUser: user.id, at: Fixtures.now)
        let afterPlan = try await store.credentialsGeneration()
        _ = try await store.setRole(.admin, forUser: user.id, at: Fixtures.now)
        let afterRole = try await store.credentialsGeneration()
        #expect(start < afterRotation && afterRotation < afterPlan && afterPlan < afterRole)
        // Another node of the same store sees the same number; a change that matched nobody
        // leaves it alone.
        let other = try await fixture.reopen()
        _ = try await other.setPlan(.starter, forUser: "nobody", at: Fixtures.now)
        #expect(
            try await other.replaceAPIKey(userId: "nobody", replacing: "rh_live_abcd", hash: "x", prefix: "rh_live_x", at: Fixtures.now)
                == false)
        #expect(try await other.credentialsGeneration() == afterRole)
        await StoreFixture.close(other)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func webhookSecretsAreMadeOnceAndRotateInOneStep(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let user = Fixtures.user()
        try await store.insertUser(user, passwordHash: nil, apiKeyHash: "k")
        #expect(try await store.webhookSecrets(userId: user.id) == nil)
        #expect(try await store.usersWithoutWebhookSecret(limit: 10) == [user.id])
        #expect(try await store.ensureWebhookSecret(userId: "nobody", sealed: "s0", at: Fixtures.now) == nil)
        let made = try await store.ensureWebhookSecret(userId: user.id, sealed: "s1", at: Fixtures.now)
        #expect(made == SealedWebhookSecrets(current: "s1", createdAt: Fixtures.now))
        // A second node making one at the same time keeps the first.
        #expect(try await store.ensureWebhookSecret(userId: user.id, sealed: "s2", at: Fixtures.now + 1) == made)
        #expect(try await store.usersWithoutWebhookSecret(limit: 10).isEmpty)
        let rotated = try await store.rotateWebhookSecret(
            userId: user.id, sealed: "s3", at: Fixtures.now + 5, previousExpiresAt: Fixtures.now + 86_405, olderLimit: 4)
        #expect(
            rotated
                == SealedWebhookSecrets(
                    current: "s3", createdAt: Fixtures.now + 5, previous: "s1", previousExpiresAt: Fixtures.now + 86_405))
        #expect(try await store.webhookSecrets(userId: user.id) == rotated)
        #expect(
            try await store.rotateWebhookSecret(
                userId: "nobody", sealed: "x", at: Fixtures.now, previousExpiresAt: Fixtures.now, olderLimit: 4) == nil)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func rotationsKeepTheSecretsTheyReplacedUntilTheyExpire(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let user = Fixtures.user()
        try await store.insertUser(user, passwordHash: nil, apiKeyHash: "k")
        _ = try await store.ensureWebhookSecret(userId: user.id, sealed: "s0", at: Fixtures.now)
        let day: TimeInterval = 86_400
        func rotate(to sealed: String, at offset: TimeInterval) async throws -> SealedWebhookSecrets? {
            try await store.rotateWebhookSecret(
                userId: user.id, sealed: sealed, at: Fixtures.now + offset, previousExpiresAt: Fixtures.now + offset + day,
                olderLimit: 2)
        }
        func older(_ pairs: (String, TimeInterval)...) -> [SealedWebhookSecrets.Older] {
            pairs.map { .init(secret: $0.0, expiresAt: Fixtures.now + $0.1) }
        }
        #expect(try await rotate(to: "s1", at: 1)?.older == [])
        let second = try await rotate(to: "s2", at: 2)
        #expect(second?.previous == "s1" && second?.older == older(("s0", 1 + day)))
        #expect(try await rotate(to: "s3", at: 3)?.older == older(("s1", 2 + day), ("s0", 1 + day)))
        // Past the limit the oldest goes.
        let fourth = try await rotate(to: "s4", at: 4)
        #expect(fourth?.previous == "s3" && fourth?.older == older(("s2", 3 + day), ("s1", 2 + day)))
        #expect(try await store.webhookSecrets(userId: user.id) == fourth)
        // Expired secrets are not kept: at this moment s3's day (the previous) and every older one's is over.
        let fifth = try await rotate(to: "s5", at: 4 + day)
        #expect(fifth?.previous == "s4" && fifth?.older == [])

        // Rotations at once each keep the secret they replaced.
        let other = Fixtures.user()
        try await store.insertUser(other, passwordHash: nil, apiKeyHash: "k2")
        _ = try await store.ensureWebhookSecret(userId: other.id, sealed: "o0", at: Fixtures.now)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 1...8 {
                group.addTask {
                    _ = try await store.rotateWebhookSecret(
                        userId: other.id, sealed: "o\(index)", at: Fixtures.now + 1, previousExpiresAt: Fixtures.now + day,
                        olderLimit: 10)
                }
            }
            try await group.waitForAll()
        }
        let after = try #require(try await store.webhookSecrets(userId: other.id))
        let all = [after.current] + [after.previous].compactMap { $0 } + after.older.map(\.secret)
        #expect(all.count == 9 && Set(all) == Set((0...8).map { "o\($0)" }))
        await fixture.close()
    }

    @Test(arguments: Backend.available) func refreshTokensWorkOnceAndReuseIsReported(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let user = Fixtures.user()
        try await store.insertUser(user, passwordHash: nil, apiKeyHash: "k")
        try await store.insertRefreshToken(
            RefreshTokenRecord(id: "t1", userId: user.id, family: "f", expiresAt: Fixtures.now + 60, createdAt: Fixtures.now))
        #expect(try await store.consumeRefreshToken(id: "t1", at: Fixtures.now) == .valid(userId: user.id, family: "f"))
        // Later uses are told when the first one was; that time does not move.
        #expect(try await store.consumeRefreshToken(id: "t1", at: Fixtures.now + 5) == .usedBefore(userId: user.id, family: "f", usedAt: Fixtures.now))
        #expect(try await store.consumeRefreshToken(id: "t1", at: Fixtures.now + 50) == .usedBefore(userId: user.id, family: "f", usedAt: Fixtures.now))
        try await store.revokeRefreshTokenFamily("f")
        #expect(try await store.consumeRefreshToken(id: "t1", at: Fixtures.now + 51) == .reused(family: "f"))
        #expect(try await store.consumeRefreshToken(id: "nope", at: Fixtures.now) == .unknown)
        try await store.insertRefreshToken(
            RefreshTokenRecord(id: "t2", userId: user.id, family: "g", expiresAt: Fixtures.now + 60, createdAt: Fixtures.now))
        #expect(try await store.consumeRefreshToken(id: "t2", at: Fixtures.now + 61) == .expired)
        try await store.insertRefreshToken(
            RefreshTokenRecord(id: "t3", userId: user.id, family: "h", expiresAt: Fixtures.now + 60, createdAt: Fixtures.now))
        try await store.revokeRefreshTokenFamily("h")
        #expect(try await store.consumeRefreshToken(id: "t3", at: Fixtures.now) == .reused(family: "h"))
        await fixture.close()
    }

    @Test(arguments: Backend.available) func concurrentUsesOfOneRefreshTokenSucceedOnce(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let user = Fixtures.user()
        try await store.insertUser(user, passwordHash: nil, apiKeyHash: "k")
        try await store.insertRefreshToken(
            RefreshTokenRecord(id: "t", userId: user.id, family: "f", expiresAt: Fixtures.now + 60, createdAt: Fixtures.now))
        let uses = try await withThrowingTaskGroup(of: RefreshTokenUse.self) { group in
            for _ in 0..<8 { group.addTask { try await store.consumeRefreshToken(id: "t", at: Fixtures.now) } }
            return try await group.reduce(into: [RefreshTokenUse]()) { $0.append($1) }
        }
        #expect(uses.filter { $0 == .valid(userId: user.id, family: "f") }.count == 1)
        #expect(uses.filter { $0 == .usedBefore(userId: user.id, family: "f", usedAt: Fixtures.now) }.count == 7)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func jobsAreScopedByUserFilteredAndPaged(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let alice = Fixtures.user()
        let bob = Fixtures.user()
        try await store.insertUser(alice, passwordHash: nil, apiKeyHash: "a")
        try await store.insertUser(bob, passwordHash: nil, apiKeyHash: "b")
        var sync = Fixtures.job(userId: alice.id, name: "Sync inventory", tags: ["prod"])
        sync.createdAt = Fixtures.now - 10
        let cache = Fixtures.job(userId: alice.id, name: "Refresh CACHE", tags: ["prod", "cache"], status: .paused)
        let tagLike = Fixtures.job(userId: alice.id, name: "Tag look-alike", tags: ["cache-2", "Cache"])
        let other = Fixtures.job(userId: bob.id, name: "Sync other", tags: ["cache"])
        for job in [sync, cache, tagLike] { try await store.insertJob(job, shard: 1) }
        try await store.insertJob(other, shard: 2)

        #expect(try await store.job(id: sync.id, userId: alice.id) == sync)
        #expect(try await store.job(id: other.id, userId: alice.id) == nil)
        #expect(try await store.countJobs(userId: alice.id) == 3)

        func ids(_ filter: JobFilter, _ page: PageRequest = PageRequest()) async throws -> [String] {
            try await store.listJobs(userId: alice.id, filter: filter, page: page).items.map(\.id)
        }
        #expect(Set(try await ids(JobFilter())) == [sync.id, cache.id, tagLike.id])
        #expect(try await ids(JobFilter(status: .paused)) == [cache.id])
        // Tags match exactly, case and all.
        #expect(try await ids(JobFilter(tag: "cache")) == [cache.id])
        #expect(try await ids(JobFilter(tag: "prod", namePattern: "^sync")) == [sync.id])
        // Names: a case-insensitive regular expression, the same dialect on every backend.
        #expect(try await ids(JobFilter(namePattern: "cache$")) == [cache.id])
        #expect(try await ids(JobFilter(namePattern: "\\bINVENTORY\\b")) == [sync.id])
        #expect(try await ids(JobFilter(namePattern: "look-alike|inventory")).count == 2)
        #expect(try await ids(JobFilter(namePattern: "other")) == [])

        let first = try await store.listJobs(userId: alice.id, filter: JobFilter(), page: PageRequest(page: 1, limit: 2))
        let second = try await store.listJobs(userId: alice.id, filter: JobFilter(), page: PageRequest(page: 2, limit: 2))
        #expect(first.total == 3 && first.totalPages == 2 && first.items.count == 2 && second.items.count == 1)
        #expect(second.items.map(\.id) == [sync.id])  // newest first; sync is the oldest
        let namedPage = try await store.listJobs(
            userId: alice.id, filter: JobFilter(namePattern: "e"), page: PageRequest(page: 2, limit: 2))
        #expect(namedPage.total == 3 && namedPage.items.map(\.id) == [sync.id])

        #expect(try await store.deleteJob(id: other.id, userId: alice.id) == false)
        #expect(try await store.deleteJob(id: sync.id, userId: alice.id))
        #expect(try await store.job(id: sync.id, userId: alice.id) == nil)
        #expect(try await store.job(id: other.id, userId: bob.id) == other)
        await fixture.close()
    }

    /// ICU backtracks: some patterns take exponential time on a name they nearly match. One
    /// list request must not pin a core every account shares; it is refused instead.
    @Test(arguments: Backend.available) func aNameFilterThatBacktracksWithoutEndIsRefused(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let user = Fixtures.user()
        try await store.insertUser(user, passwordHash: nil, apiKeyHash: "a")
        let job = Fixtures.job(userId: user.id, name: String(repeating: "a", count: 24))
        try await store.insertJob(job, shard: 1)
        for pattern in ["(a|a)*b", "a*a*a*a*a*a*a*a*a*a*b"] {
            await #expect {
                _ = try await store.listJobs(userId: user.id, filter: JobFilter(namePattern: pattern), page: PageRequest())
            } throws: { error in
                (error as? ValidationError)?.field == "name" && (error as? ValidationError)?.message.hasPrefix("takes too long") == true
            }
        }
        #expect(try await store.listJobs(userId: user.id, filter: JobFilter(namePattern: "^a+$"), page: PageRequest()).total == 1)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func jobUpdatesAreCompareAndSetAndScoped(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let (user, job) = try await fixture.userWithJob(shard: 0)
        var changed = job
        changed.name = "Renamed"
        changed.tags = ["x"]
        changed.httpConfig.headers = nil
        changed.updatedAt = Fixtures.now + 1
        #expect(try await store.updateJob(changed, expectedUpdatedAt: job.updatedAt))
        #expect(try await store.job(id: job.id, userId: user.id) == changed)
        // A writer that read the old version loses.
        var stale = job
        stale.name = "Stale"
        stale.updatedAt = Fixtures.now + 2
        #expect(try await store.updateJob(stale, expectedUpdatedAt: job.updatedAt) == false)
        var foreign = changed
        foreign.userId = "someone"
        #expect(try await store.updateJob(foreign, expectedUpdatedAt: changed.updatedAt) == false)
        #expect(try await store.job(id: job.id, userId: user.id)?.name == "Renamed")
        await fixture.close()
    }

    @Test(arguments: Backend.available) func executionsAreScopedFilteredAndUniquePerSlotAndAttempt(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let (user, job) = try await fixture.userWithJob(shard: 0)
        let first = Fixtures.execution(job: job)
        try await store.insertExecution(first)
        var duplicate = first
        duplicate.id = Fixtures.ids.next()
        await #expect(throws: StoreError.duplicateExecution) { try await store.insertExecution(duplicate) }
        try await store.insertExecution(Fixtures.execution(job: job, status: .failed, attempt: 2))

        let failed = try await store.listExecutions(userId: user.id, filter: ExecutionFilter(status: .failed), page: PageRequest())
        #expect(failed.items.map(\.attempt) == [2])
        let byJob = try await store.listExecutions(userId: user.id, filter: ExecutionFilter(jobId: job.id), page: PageRequest(limit: 1))
        #expect(byJob.total == 2 && byJob.items.count == 1)
        #expect(try await store.listExecutions(userId: "someone", filter: ExecutionFilter(), page: PageRequest()).total == 0)
        let othersView = try await store.listExecutions(userId: "someone", filter: ExecutionFilter(jobId: job.id), page: PageRequest())
        #expect(othersView.total == 0 && othersView.items.isEmpty, "another account names the job")
        let failedOfJob = try await store.listExecutions(
            userId: user.id, filter: ExecutionFilter(status: .failed, jobId: job.id), page: PageRequest())
        #expect(failedOfJob.total == 1 && failedOfJob.items.map(\.attempt) == [2])
        #expect(try await store.execution(id: first.id, userId: user.id) == first)
        #expect(try await store.execution(id: first.id, userId: "someone") == nil)
        await fixture.close()
    }

    /// The engine records a job's latest slot about once a minute; the rest of the time the
    /// job's newest execution says where catch-up starts after a restart.
    @Test(arguments: Backend.available) func aJobsLatestSlotIsItsMarkOrItsNewestExecutionWhicheverIsLater(_ backend: Backend)
        async throws
    {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let (_, job) = try await fixture.userWithJob(shard: 0)
        #expect(try await store.activeJobs(shard: 0).first?.lastSlot == nil)
        let marked = Fixtures.execution(job: job, offsetMs: 60_000)
        #expect(try await store.apply([.claim(marked, advancesSlot: true)]) == [true])
        let unmarked = Fixtures.execution(job: job, offsetMs: 120_000)
        #expect(try await store.apply([.claim(unmarked, advancesSlot: false)]) == [true])
        #expect(try await store.activeJobs(shard: 0).first?.lastSlot == unmarked.scheduledFor)
        // A retry of an earlier slot does not move it back.
        let retryOfMarked = Fixtures.execution(job: job, attempt: 2, offsetMs: 60_000)
        #expect(try await store.apply([.claim(retryOfMarked, advancesSlot: false)]) == [true])
        #expect(try await store.activeJobs(shard: 0).first?.lastSlot == unmarked.scheduledFor)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func aClaimSentAgainAfterItsCommitStandsAndIsCountedOnce(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let (user, job) = try await fixture.userWithJob(shard: 0)
        let claim = EngineWrite.claim(Fixtures.execution(job: job, status: .running), advancesSlot: true, countsRun: true)
        #expect(try await store.apply([claim]) == [true])
        // The engine did not hear that commit (the connection closed during it) and sends the
        // same claim again: it stands, so the request goes out; the run is counted once.
        #expect(try await store.apply([claim]) == [true])
        #expect(try await store.runCounts(userId: user.id, at: Fixtures.now).daily == 1)
        // Another claim of the same slot still loses.
        var rival = Fixtures.execution(job: job, status: .running)
        rival.id = Fixtures.ids.next()
        #expect(try await store.apply([.claim(rival, advancesSlot: true, countsRun: true)]) == [false])
        #expect(try await store.runCounts(userId: user.id, at: Fixtures.now).daily == 1)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func aClaimOfAnotherSlotUnderATakenIdLosesWithoutFailingItsBatch(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let (user, job) = try await fixture.userWithJob(shard: 0)
        // A requested run's execution takes its request's id; the request launched a second
        // time (by another node, say) claims a later millisecond under the same id.
        let first = Fixtures.execution(job: job, status: .running)
        #expect(try await store.apply([.claim(first, advancesSlot: false, countsRun: true)]) == [true])
        var second = first
        second.scheduledFor = first.scheduledFor + 0.250
        var other = Fixtures.execution(job: job, status: .running)
        other.id = Fixtures.ids.next()
        other.scheduledFor = first.scheduledFor + 1
        #expect(
            try await store.apply([
                .claim(second, advancesSlot: false, countsRun: true), .claim(other, advancesSlot: false, countsRun: true),
            ]) == [false, true])
        let runs = try await store.listExecutions(userId: user.id, filter: ExecutionFilter(jobId: job.id), page: PageRequest())
        #expect(Set(runs.items.map(\.id)) == [first.id, other.id])
        #expect(try await store.execution(id: first.id, userId: user.id)?.scheduledFor == first.scheduledFor)
        #expect(try await store.runCounts(userId: user.id, at: Fixtures.now).daily == 2)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func aBatchKeepsItsOtherWritesWhenAClaimLosesOrItsJobIsGone(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let (user, job) = try await fixture.userWithJob(shard: 0)
        let taken = Fixtures.execution(job: job, status: .pending)
        #expect(try await store.apply([.claim(taken, advancesSlot: true)]) == [true])

        var rival = taken
        rival.id = Fixtures.ids.next()
        let orphan = Execution(
            id: Fixtures.ids.next(), jobId: "deleted-job", userId: user.id, status: .pending,
            scheduledFor: Fixtures.now, attempt: 1, createdAt: Fixtures.now)
        let next = Fixtures.execution(job: job, status: .pending, offsetMs: 60_000)
        let results = try await store.apply([
            .claim(rival, advancesSlot: true, countsRun: true),
            .claim(orphan, advancesSlot: true, countsRun: true),
            .claim(next, advancesSlot: true, countsRun: true),
            .start(executionId: next.id, at: Fixtures.now + 60),
            .start(executionId: "unknown", at: Fixtures.now + 60),
            .finish(
                ExecutionResult(
                    executionId: taken.id, status: .success, startedAt: Fixtures.now, completedAt: Fixtures.now + 1,
                    durationMs: 1000, httpStatusCode: 200, responseBody: "ok\u{0}", error: nil, retryAt: nil,
                    timing: ExecutionTiming(dnsMs: nil, connectMs: 1.25, tlsMs: 12.5, firstByteMs: 900.001, totalMs: 1000.5),
                    lateMs: 3.5)),
        ])
        #expect(results == [false, false, true, true, false, true])
        #expect(try await store.execution(id: rival.id, userId: user.id) == nil)
        #expect(try await store.execution(id: next.id, userId: user.id)?.status == .running)
        let settled = try #require(try await store.execution(id: taken.id, userId: user.id))
        #expect(settled.status == .success && settled.httpStatusCode == 200 && settled.durationMs == 1000)
        #expect(settled.responseBody?.hasPrefix("ok") == true)
        #expect(
            settled.timing == ExecutionTiming(dnsMs: nil, connectMs: 1.25, tlsMs: 12.5, firstByteMs: 900.001, totalMs: 1000.5))
        #expect(settled.lateMs == 3.5)
        #expect(try await store.execution(id: next.id, userId: user.id)?.timing == nil)
        // Only the won claim counted a run, and the job's latest slot moved to it.
        #expect(try await store.runCounts(userId: user.id, at: Fixtures.now) == RunCounts(daily: 1, monthly: 1))
        let scheduled = try #require(try await store.activeJobs(shard: 0).first)
        #expect(scheduled.lastSlot == next.scheduledFor)
        #expect(try await store.unfinishedExecutions(shard: 0).map(\.id) == [next.id])

        // A start and its finish in one batch (a fast target) both take effect.
        let quick = Fixtures.execution(job: job, status: .pending, offsetMs: 120_000)
        #expect(try await store.apply([.claim(quick, advancesSlot: true)]) == [true])
        let startedAt = Fixtures.now + 120
        #expect(
            try await store.apply([
                .start(executionId: quick.id, at: startedAt),
                .finish(
                    ExecutionResult(
                        executionId: quick.id, status: .failed, startedAt: nil, completedAt: startedAt + 0.5,
                        durationMs: 500, httpStatusCode: nil, responseBody: nil, error: "HTTP 503", retryAt: startedAt + 60)),
            ]) == [true, true])
        let quickly = try #require(try await store.execution(id: quick.id, userId: user.id))
        #expect(quickly.status == .failed && quickly.startedAt == startedAt && quickly.retryAt == startedAt + 60)
        #expect(try await store.dueRetries(shard: 0).map(\.id) == [quick.id])
        await fixture.close()
    }

    @Test(arguments: Backend.available) func fencedWritesNeedTheLease(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let (user, job) = try await fixture.userWithJob(shard: 5)
        let now = Date()
        let lease = try #require(try await store.acquireLease(shard: 5, node: "a", duration: 30, at: now))
        let fence = LeaseFence(shard: 5, owner: "a", epoch: lease.epoch)
        var claim = Fixtures.execution(job: job, status: .pending)
        claim.createdAt = now
        #expect(try await store.apply([.claim(claim, advancesSlot: true, fence: fence)]) == [true])
        let stale = LeaseFence(shard: 5, owner: "a", epoch: lease.epoch + 1)
        var late = Fixtures.execution(job: job, status: .pending, offsetMs: 60_000)
        late.createdAt = now
        let finish = ExecutionResult(
            executionId: claim.id, status: .failed, startedAt: nil, completedAt: now, durationMs: nil,
            httpStatusCode: nil, responseBody: nil, error: "interrupted", retryAt: nil)
        #expect(try await store.apply([.claim(late, advancesSlot: true, fence: stale), .finish(finish, fence: stale)]) == [false, false])
        #expect(try await store.execution(id: claim.id, userId: user.id)?.status == .pending)
        // Another node takes the lease once it lapses: the old owner's writes are fenced out.
        _ = try await store.acquireLease(shard: 5, node: "a", duration: 0, at: now)
        let taken = try #require(try await store.acquireLease(shard: 5, node: "b", duration: 30, at: now))
        #expect(taken.epoch == lease.epoch + 1)
        #expect(try await store.apply([.claim(late, advancesSlot: true, fence: fence), .finish(finish, fence: fence)]) == [false, false])
        #expect(try await store.apply([.finish(finish, fence: LeaseFence(shard: 5, owner: "b", epoch: taken.epoch))]) == [true])
        await fixture.close()
    }

    @Test(arguments: Backend.available) func leasesAreCompareAndSet(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let start = Date()
        let first = try #require(try await store.acquireLease(shard: 3, node: "a", duration: 30, at: start))
        #expect(first.epoch == 1 && first.owner == "a")
        #expect(abs(first.expiresAt.timeIntervalSince(start + 30)) < 0.002)
        // Another node cannot take an unexpired lease; the owner renews it without a new epoch.
        #expect(try await store.acquireLease(shard: 3, node: "b", duration: 30, at: start) == nil)
        #expect(try await store.acquireLease(shard: 3, node: "a", duration: 30, at: start)?.epoch == 1)
        // Once it lapses (a renewal of zero length ends it now), the next node takes it with a
        // higher epoch, and the old owner is out.
        _ = try await store.acquireLease(shard: 3, node: "a", duration: 0, at: start)
        let taken = try #require(try await store.acquireLease(shard: 3, node: "b", duration: 30, at: start))
        #expect(taken.epoch == 2 && taken.owner == "b")
        #expect(try await store.acquireLease(shard: 3, node: "a", duration: 30, at: start) == nil)
        // A graceful release hands it over at once.
        try await store.releaseLease(shard: 3, node: "b")
        #expect(try await store.acquireLease(shard: 3, node: "a", duration: 30, at: start)?.epoch == 3)
        // Many shards in one call; each is independent.
        let many = try await store.acquireLeases(shards: [4, 3, 6], node: "b", duration: 30, at: start)
        #expect(Set(many.keys) == [4, 6] && many[4]?.epoch == 1)
        let view = try await store.leases(at: start)
        #expect(view.map(\.shard) == [3, 4, 6] && view.map(\.owner) == ["a", "b", "b"])
        #expect(view.allSatisfy { $0.expiresAt > start + 20 && $0.expiresAt <= start + 31 })
        await fixture.close()
    }

    @Test(arguments: Backend.available) func deletingAJobDeletesItsExecutionsAndScopedAlerts(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let (user, job) = try await fixture.userWithJob(shard: 0)
        try await store.insertExecution(Fixtures.execution(job: job))
        try await store.insertAlert(Fixtures.alert(userId: user.id, jobId: job.id))
        #expect(try await store.deleteJob(id: job.id, userId: user.id))
        #expect(try await store.listExecutions(userId: user.id, filter: .init(), page: .init()).total == 0)
        #expect(try await store.countAlerts(userId: user.id) == 0)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func alertsStatesAndDeliveriesAreScoped(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let user = Fixtures.user()
        let stranger = Fixtures.user()
        try await store.insertUser(user, passwordHash: nil, apiKeyHash: "k")
        try await store.insertUser(stranger, passwordHash: nil, apiKeyHash: "s")
        let job = Fixtures.job(userId: user.id)
        try await store.insertJob(job, shard: 0)
        let alert = Fixtures.alert(userId: user.id, jobId: nil)
        try await store.insertAlert(alert)
        #expect(try await store.alert(id: alert.id, userId: user.id) == alert)
        #expect(try await store.alert(id: alert.id, userId: stranger.id) == nil)
        #expect(try await store.listAlerts(userId: stranger.id).isEmpty)
        var disabled = alert
        disabled.enabled = false
        disabled.updatedAt = Fixtures.now + 1
        #expect(try await store.updateAlert(disabled, expectedUpdatedAt: alert.updatedAt))
        #expect(try await store.updateAlert(disabled, expectedUpdatedAt: alert.updatedAt) == false)

        let key = AlertStateKey(alertId: alert.id, jobId: job.id)
        let state = AlertState(consecutiveFailures: 3, lastFiredAt: Fixtures.now, alerting: true)
        try await store.saveAlertState(state, for: key)
        try await store.saveAlertState(state, for: AlertStateKey(alertId: alert.id, jobId: "gone"))
        #expect(try await store.alertStates(userId: user.id) == [key: state])
        #expect(try await store.alertStates(userId: stranger.id).isEmpty)

        for offset in 0..<3 {
            try await store.insertAlertDelivery(
                AlertDelivery(
                    id: Fixtures.ids.next(), alertId: alert.id, userId: user.id, jobId: job.id, channel: .webhook,
                    notice: .failure, status: .sent, error: nil, attempts: 1, createdAt: Fixtures.now + Double(offset)))
        }
        let page = try await store.listAlertDeliveries(alertId: alert.id, userId: user.id, page: PageRequest(page: 1, limit: 2))
        #expect(page.total == 3 && page.items.count == 2 && page.items.first?.createdAt == Fixtures.now + 2)
        #expect(try await store.listAlertDeliveries(alertId: alert.id, userId: stranger.id, page: PageRequest()).total == 0)
        #expect(try await store.deleteAlert(id: alert.id, userId: stranger.id) == false)
        #expect(try await store.deleteAlert(id: alert.id, userId: user.id))
        #expect(try await store.alertStates(userId: user.id).isEmpty)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func aNewPasswordHashEndsTheSessions(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let email = "reset-\(Fixtures.ids.next())@example.com"
        let user = Fixtures.user(email: email)
        let anonymous = Fixtures.user()
        try await store.insertUser(user, passwordHash: "old", apiKeyHash: "k1")
        try await store.insertUser(anonymous, passwordHash: nil, apiKeyHash: "k2")
        try await store.insertRefreshToken(
            RefreshTokenRecord(id: "r1", userId: user.id, family: "f", expiresAt: Fixtures.now + 60, createdAt: Fixtures.now))
        let generation = try await store.credentialsGeneration()

        let updated = try await store.setPasswordHash("new", forUser: email.uppercased(), at: Fixtures.now + 5)
        #expect(updated?.id == user.id && updated?.updatedAt == Fixtures.now + 5)
        #expect(try await store.userWithPassword(email: email)?.passwordHash == "new")
        #expect(try await store.consumeRefreshToken(id: "r1", at: Fixtures.now) == .reused(family: "f"))
        #expect(try await store.credentialsGeneration() > generation)

        #expect(try await store.setPasswordHash("new", forUser: anonymous.id, at: Fixtures.now) == anonymous)
        #expect(try await store.setPasswordHash("new", forUser: "nobody", at: Fixtures.now) == nil)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func accountsAreListedNewestFirstWithTheirJobCounts(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        var users: [User] = []
        for index in 0..<3 {
            var user = Fixtures.user()
            user.createdAt = Fixtures.now + Double(index)
            try await store.insertUser(user, passwordHash: nil, apiKeyHash: user.id)
            for _ in 0..<index { try await store.insertJob(Fixtures.job(userId: user.id), shard: 0) }
            users.append(user)
        }
        let first = try await store.listAccounts(page: PageRequest(page: 1, limit: 2))
        #expect(first.total == 3)
        #expect(first.items.map(\.user.id) == [users[2].id, users[1].id])
        #expect(first.items.map(\.jobs) == [2, 1])
        #expect(first.items.first?.user == users[2])
        let second = try await store.listAccounts(page: PageRequest(page: 2, limit: 2))
        #expect(second.items.map(\.user.id) == [users[0].id] && second.items.first?.jobs == 0)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func deletingAUserDeletesWhatItOwnsAndNothingElse(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let user = Fixtures.user(email: "gone-\(Fixtures.ids.next())@example.com")
        let stranger = Fixtures.user()
        var owned: [(job: Job, alert: AlertConfig)] = []
        for account in [user, stranger] {
            try await store.insertUser(account, passwordHash: nil, apiKeyHash: "k" + account.id)
            let job = Fixtures.job(userId: account.id)
            try await store.insertJob(job, shard: 0)
            for offset in 0..<7 { try await store.insertExecution(Fixtures.execution(job: job, offsetMs: Int64(offset))) }
            let alert = Fixtures.alert(userId: account.id, jobId: job.id)
            try await store.insertAlert(alert)
            try await store.saveAlertState(
                AlertState(consecutiveFailures: 1, lastFiredAt: nil, alerting: false), for: AlertStateKey(alertId: alert.id, jobId: job.id))
            for offset in 0..<4 {
                try await store.insertAlertDelivery(
                    AlertDelivery(
                        id: Fixtures.ids.next(), alertId: alert.id, userId: account.id, jobId: job.id, channel: .webhook,
                        notice: .failure, status: .sent, error: nil, attempts: 1, createdAt: Fixtures.now + Double(offset)))
            }
            try await store.addRuns(userId: account.id, count: 7, at: Fixtures.now)
            try await store.insertRefreshToken(
                RefreshTokenRecord(
                    id: "t" + account.id, userId: account.id, family: "f", expiresAt: Fixtures.now + 60, createdAt: Fixtures.now))
            _ = try await store.ensureWebhookSecret(userId: account.id, sealed: "s", at: Fixtures.now)
            for sealed in ["s2", "s3"] {
                _ = try await store.rotateWebhookSecret(
                    userId: account.id, sealed: sealed, at: Fixtures.now, previousExpiresAt: Fixtures.now + 60, olderLimit: 4)
            }
            _ = try await store.reserveIdempotencyKey(
                IdempotencyKey(userId: account.id, key: "k"), fingerprint: "f", at: Fixtures.now, window: 86_400, abandonAfter: 60)
            owned.append((job, alert))
        }
        let generation = try await store.credentialsGeneration()

        // By email, in chunks smaller than what there is to delete.
        #expect(try await store.deleteUser(user.email ?? "", chunk: 3)?.id == user.id)
        #expect(try await store.user(id: user.id) == nil)
        #expect(try await store.credentialsGeneration() > generation)
        #expect(try await store.countJobs(userId: user.id) == 0)
        #expect(try await store.listExecutions(userId: user.id, filter: ExecutionFilter(), page: PageRequest()).total == 0)
        #expect(try await store.listAlerts(userId: user.id).isEmpty)
        #expect(try await store.alertStates(userId: user.id).isEmpty)
        #expect(
            try await store.listAlertDeliveries(alertId: owned[0].alert.id, userId: user.id, page: PageRequest()).total == 0)
        #expect(try await store.runCounts(userId: user.id, at: Fixtures.now) == RunCounts(daily: 0, monthly: 0))
        #expect(try await store.consumeRefreshToken(id: "t" + user.id, at: Fixtures.now) == .unknown)
        #expect(try await store.webhookSecrets(userId: user.id) == nil)
        #expect(
            try await store.reserveIdempotencyKey(
                IdempotencyKey(userId: user.id, key: "k"), fingerprint: "other", at: Fixtures.now, window: 86_400, abandonAfter: 60)
                == .reserved)

        // The other account keeps everything.
        #expect(try await store.user(id: stranger.id) != nil)
        #expect(try await store.countJobs(userId: stranger.id) == 1)
        #expect(try await store.listExecutions(userId: stranger.id, filter: ExecutionFilter(), page: PageRequest()).total == 7)
        #expect(try await store.alertStates(userId: stranger.id).count == 1)
        #expect(
            try await store.listAlertDeliveries(alertId: owned[1].alert.id, userId: stranger.id, page: PageRequest()).total == 4)
        #expect(try await store.runCounts(userId: stranger.id, at: Fixtures.now) == RunCounts(daily: 7, monthly: 7))
        #expect(try await store.webhookSecrets(userId: stranger.id)?.older.count == 1)

        #expect(try await store.deleteUser(user.id, chunk: 3) == nil)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func retentionPurgesOnlyOldFinishedRowsOfThePlan(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let free = Fixtures.user(plan: .free)
        let paid = Fixtures.user(plan: .growth)
        for user in [free, paid] { try await store.insertUser(user, passwordHash: nil, apiKeyHash: user.id) }
        let freeJob = Fixtures.job(userId: free.id)
        let paidJob = Fixtures.job(userId: paid.id)
        try await store.insertJob(freeJob, shard: 0)
        try await store.insertJob(paidJob, shard: 0)
        let old = Fixtures.execution(job: freeJob, offsetMs: -86_400_000)
        let oldRunning = Fixtures.execution(job: freeJob, status: .running, offsetMs: -86_400_000 + 1)
        let recent = Fixtures.execution(job: freeJob)
        let oldPaid = Fixtures.execution(job: paidJob, offsetMs: -86_400_000)
        for execution in [old, oldRunning, recent, oldPaid] { try await store.insertExecution(execution) }
        #expect(try await store.purgeExecutions(plan: .free, createdBefore: Fixtures.now - 3600, limit: 100) == 1)
        #expect(try await store.execution(id: old.id, userId: free.id) == nil)
        #expect(try await store.execution(id: oldRunning.id, userId: free.id) != nil)
        #expect(try await store.execution(id: recent.id, userId: free.id) != nil)
        #expect(try await store.execution(id: oldPaid.id, userId: paid.id) != nil)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func aRetentionPurgeDeletesNoMoreThanItsLimit(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let (user, job) = try await fixture.userWithJob(shard: 0)
        let alert = Fixtures.alert(userId: user.id, jobId: job.id)
        try await store.insertAlert(alert)
        for offset in 0..<5 {
            let created = Fixtures.now - 86_400 + Double(offset)
            try await store.insertExecution(Fixtures.execution(job: job, offsetMs: -86_400_000 + Int64(offset)))
            try await store.insertAlertDelivery(
                AlertDelivery(
                    id: Fixtures.ids.next(), alertId: alert.id, userId: user.id, jobId: job.id, channel: .webhook,
                    notice: .failure, status: .sent, error: nil, attempts: 1, createdAt: created))
            _ = try await store.reserveIdempotencyKey(
                IdempotencyKey(userId: user.id, key: "k\(offset)"), fingerprint: "f", at: created, window: 86_400,
                abandonAfter: 60)
        }
        let cutoff = Fixtures.now - 3600
        var removed: [[Int]] = []
        for _ in 0..<4 {
            removed.append([
                try await store.purgeExecutions(plan: .free, createdBefore: cutoff, limit: 2),
                try await store.purgeAlertDeliveries(plan: .free, createdBefore: cutoff, limit: 2),
                try await store.purgeIdempotencyKeys(createdBefore: cutoff, limit: 2),
            ])
        }
        #expect(removed == [[2, 2, 2], [2, 2, 2], [1, 1, 1], [0, 0, 0]])
        #expect(try await store.listExecutions(userId: user.id, filter: .init(), page: .init()).total == 0)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func expiredRefreshTokensAndHandledRequestsArePurgedInChunks(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let (user, job) = try await fixture.userWithJob(shard: 0)
        for (id, expiresIn) in [("old1", -120.0), ("old2", -60.0), ("live", 60.0)] {
            try await store.insertRefreshToken(
                RefreshTokenRecord(id: id, userId: user.id, family: id, expiresAt: Fixtures.now + expiresIn, createdAt: Fixtures.now))
        }
        var requests: [ReplayRequest] = []
        for _ in 0..<3 {
            let request = ReplayRequest(
                id: Fixtures.ids.next(), userId: user.id, jobId: job.id, kind: .trigger, executionId: nil, requestedAt: Fixtures.now)
            try await store.insertReplayRequest(request)
            requests.append(request)
        }
        _ = try await store.apply([
            .requestHandled(id: requests[0].id, at: Fixtures.now - 7200), .requestHandled(id: requests[1].id, at: Fixtures.now - 3600),
        ])
        var removed: [[Int]] = []
        for _ in 0..<3 {
            removed.append([
                try await store.purgeRefreshTokens(expiredBefore: Fixtures.now, limit: 1),
                try await store.purgeReplayRequests(handledBefore: Fixtures.now, limit: 1),
            ])
        }
        #expect(removed == [[1, 1], [1, 1], [0, 0]])
        #expect(try await store.consumeRefreshToken(id: "old1", at: Fixtures.now) == .unknown)
        #expect(try await store.consumeRefreshToken(id: "live", at: Fixtures.now) == .valid(userId: user.id, family: "live"))
        #expect(try await store.pendingReplayRequests(limit: 10) == [requests[2]])
        await fixture.close()
    }

    @Test(arguments: Backend.available) func runCountersOfPastDaysAndMonthsArePurgedInChunks(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let (user, _) = try await fixture.userWithJob(shard: 0)
        // 2025-01-15, the day before, and a day of November 2024.
        for daysAgo in [0.0, 1, 60] {
            try await store.addRuns(userId: user.id, count: 1, at: Fixtures.now - daysAgo * 86_400)
        }
        var removed: [Int] = []
        for _ in 0..<3 { removed.append(try await store.purgeUsageCounters(before: Fixtures.now, limit: 2)) }
        // Gone: the two past days and November; kept: today and January.
        #expect(removed == [2, 1, 0])
        #expect(try await store.runCounts(userId: user.id, at: Fixtures.now) == RunCounts(daily: 1, monthly: 2))
        #expect(try await store.runCounts(userId: user.id, at: Fixtures.now - 86_400) == RunCounts(daily: 0, monthly: 2))
        await fixture.close()
    }

    @Test(arguments: Backend.available) func runCountersAddUpPerDayAndMonthAndUser(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let user = Fixtures.user()
        let other = Fixtures.user()
        try await store.insertUser(user, passwordHash: nil, apiKeyHash: "k")
        try await store.insertUser(other, passwordHash: nil, apiKeyHash: "o")
        try await store.addRuns(userId: user.id, count: 2, at: Fixtures.now)
        try await store.addRuns(userId: user.id, count: 1, at: Fixtures.now + 86_400)
        try await store.addRuns(userId: other.id, count: 5, at: Fixtures.now)
        #expect(try await store.runCounts(userId: user.id, at: Fixtures.now) == RunCounts(daily: 2, monthly: 3))
        #expect(try await store.runCounts(userId: user.id, at: Fixtures.now + 86_400) == RunCounts(daily: 1, monthly: 3))
        #expect(try await store.runCounts(userId: other.id, at: Fixtures.now) == RunCounts(daily: 5, monthly: 5))
        await fixture.close()
    }

    @Test(arguments: Backend.available) func replayRequestsAreHandledOnce(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let (user, job) = try await fixture.userWithJob(shard: 0)
        let request = ReplayRequest(
            id: Fixtures.ids.next(), userId: user.id, jobId: job.id, kind: .trigger, executionId: nil, requestedAt: Fixtures.now)
        try await store.insertReplayRequest(request)
        #expect(try await store.pendingReplayRequests(limit: 10) == [request])
        #expect(try await store.apply([.requestHandled(id: request.id, at: Fixtures.now)]) == [true])
        #expect(try await store.apply([.requestHandled(id: request.id, at: Fixtures.now)]) == [false])
        #expect(try await store.pendingReplayRequests(limit: 10).isEmpty)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func pendingReplayRequestsCanBeReadUpToACutoff(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let (user, job) = try await fixture.userWithJob(shard: 0)
        var requests: [ReplayRequest] = []
        for minutesAgo in [1, 3, 2, 0] {
            let request = ReplayRequest(
                id: Fixtures.ids.next(), userId: user.id, jobId: job.id, kind: .trigger, executionId: nil,
                requestedAt: Fixtures.now - Double(minutesAgo) * 60)
            try await store.insertReplayRequest(request)
            requests.append(request)
        }
        _ = try await store.apply([.requestHandled(id: requests[1].id, at: Fixtures.now)])
        // Pending and older than a minute and a half: the one of two minutes ago only.
        #expect(try await store.pendingReplayRequests(requestedBefore: Fixtures.now - 90, limit: 10) == [requests[2]])
        // Strictly before the cutoff, oldest first.
        #expect(try await store.pendingReplayRequests(requestedBefore: Fixtures.now, limit: 10) == [requests[2], requests[0]])
        #expect(try await store.pendingReplayRequests(limit: 10) == [requests[2], requests[0], requests[3]])
        #expect(try await store.pendingReplayRequests(limit: 1) == [requests[2]])
        await fixture.close()
    }

    @Test(arguments: Backend.available) func pendingReplayRequestsAreReadPageByPageToTheLast(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let (user, job) = try await fixture.userWithJob(shard: 0)
        var requests: [ReplayRequest] = []
        // Three made in the same millisecond (ordered by id), two later, one handled.
        for secondsAgo in [30.0, 30, 30, 20, 10, 5] {
            let request = ReplayRequest(
                id: Fixtures.ids.next(), userId: user.id, jobId: job.id, kind: .trigger, executionId: nil,
                requestedAt: Fixtures.now - secondsAgo)
            try await store.insertReplayRequest(request)
            requests.append(request)
        }
        _ = try await store.apply([.requestHandled(id: requests[3].id, at: Fixtures.now)])
        let pending = [requests[0], requests[1], requests[2], requests[4], requests[5]]
        #expect(try await store.pendingReplayRequests(requestedBefore: Fixtures.now, after: requests[1], limit: 2) == [requests[2], requests[4]])
        for pageSize in [1, 2, 5, 100] {
            var read: [ReplayRequest] = []
            for try await request in store.allPendingReplayRequests(pageSize: pageSize) { read.append(request) }
            #expect(read == pending, "pages of \(pageSize)")
        }
        var beforeCutoff: [ReplayRequest] = []
        for try await request in store.allPendingReplayRequests(requestedBefore: Fixtures.now - 10, pageSize: 2) {
            beforeCutoff.append(request)
        }
        #expect(beforeCutoff == Array(pending.prefix(3)))
        await fixture.close()
    }

    @Test(arguments: Backend.available) func idempotencyKeysReplayMismatchAndExpire(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let key = IdempotencyKey(userId: "u", key: "k")
        func reserve(_ fingerprint: String, at date: Date) async throws -> IdempotencyReservation {
            try await store.reserveIdempotencyKey(key, fingerprint: fingerprint, at: date, window: 86_400, abandonAfter: 60)
        }
        #expect(try await reserve("a", at: Fixtures.now) == .reserved)
        #expect(try await reserve("a", at: Fixtures.now) == .inProgress)
        #expect(try await reserve("b", at: Fixtures.now) == .mismatch)
        let response = StoredResponse(status: 201, contentType: "application/json", body: Data("{}".utf8))
        try await store.completeIdempotencyKey(key, response: response)
        #expect(try await reserve("a", at: Fixtures.now + 1) == .replay(response))
        #expect(try await store.reserveIdempotencyKey(
            IdempotencyKey(userId: "other", key: "k"), fingerprint: "a", at: Fixtures.now, window: 86_400, abandonAfter: 60)
            == .reserved)
        #expect(try await reserve("b", at: Fixtures.now + 86_401) == .reserved)
        try await store.releaseIdempotencyKey(key)
        #expect(try await reserve("c", at: Fixtures.now + 86_402) == .reserved)
        #expect(try await store.purgeIdempotencyKeys(createdBefore: Fixtures.now + 86_403, limit: 100) == 2)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func sharedSettingsAgreeWhenNodesProposeAtOnce(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let second = try await fixture.reopen()
        let stores: [any Store] = [fixture.store, second]
        let values = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<10 {
                let store = stores[index % 2]
                group.addTask { try await store.sharedSetting("jwt_secret", proposing: "secret-\(index)") }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(values).count == 1)
        #expect(try await second.shardCount(proposing: 16) == 16)
        #expect(try await fixture.store.shardCount(proposing: 64) == 16)
        await StoreFixture.close(second)
        await fixture.close()
    }

    @Test(arguments: Backend.available) func dataSurvivesReopening(_ backend: Backend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let user = Fixtures.user()
        try await fixture.store.insertUser(user, passwordHash: nil, apiKeyHash: "k")
        let reopened = try await fixture.reopen()
        #expect(try await reopened.user(id: user.id) == user)
        _ = try await reopened.ping()
        await StoreFixture.close(reopened)
        await fixture.close()
    }
}
