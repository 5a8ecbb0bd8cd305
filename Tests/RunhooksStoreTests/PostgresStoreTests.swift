import Foundation
import PostgresNIO
import RunhooksCore
import RunhooksTestSupport
import Testing

@testable import RunhooksStore

/// What only the PostgreSQL store has to show: the database's clock decides leases, its schema
/// version is guarded, and TLS is used when the URL asks for it.
@Suite(.enabled(if: PostgresTestDatabase.serverURL != nil, "\(PostgresTestDatabase.skipReason)"))
struct PostgresStoreTests {
    @Test func nodesWhoseClocksDisagreeStillNeverHoldOneLeaseTogether() async throws {
        let fixture = try await StoreFixture.make(.postgres)
        let store = fixture.store
        let now = Date()
        // Node a's clock runs an hour fast, node b's an hour slow: neither clock matters.
        let held = try #require(try await store.acquireLease(shard: 1, node: "a", duration: 30, at: now + 3600))
        #expect(try await store.acquireLease(shard: 1, node: "b", duration: 30, at: now + 7200) == nil)
        #expect(try await store.acquireLease(shard: 1, node: "b", duration: 30, at: now - 3600) == nil)
        // Each node is told the expiry in its own clock.
        #expect(abs(held.expiresAt.timeIntervalSince(now + 3630)) < 0.01)
        let seenByB = try #require(try await store.leases(at: now - 3600).first)
        #expect(seenByB.expiresAt > now - 3600 + 25 && seenByB.expiresAt <= now - 3600 + 30.5)
        // A claim fenced by a's lease is accepted whatever a's clock says.
        let (_, job) = try await fixture.userWithJob(shard: 1)
        var claim = Fixtures.execution(job: job, status: .pending)
        claim.createdAt = now + 3600
        let fence = LeaseFence(shard: 1, owner: "a", epoch: held.epoch)
        #expect(try await store.apply([.claim(claim, advancesSlot: true, fence: fence)]) == [true])
        await fixture.close()
    }

    @Test func aDatabaseThatCanLoseAcknowledgedCommitsIsReportedAtOpen() async throws {
        let database = try await PostgresTestDatabase.create()
        let url = try PostgresURL(database)
        try await PostgresTestDatabase.set("synchronous_commit", to: "off", on: database)
        let lossy = RecordedLog()
        try await PostgresStore.open(url: url, logger: lossy.logger).close()
        #expect(lossy.messages(atLeast: .warning).contains { $0.contains("synchronous_commit is off") })

        try await PostgresTestDatabase.set("synchronous_commit", to: "on", on: database)
        let durable = RecordedLog()
        try await PostgresStore.open(url: url, logger: durable.logger).close()
        #expect(!durable.messages(atLeast: .warning).contains { $0.contains("synchronous_commit") })
        await PostgresTestDatabase.drop(database)
    }

    @Test func aSchemaNewerThanTheBinaryIsRefused() async throws {
        let fixture = try await StoreFixture.make(.postgres)
        let store = try #require(fixture.store as? PostgresStore)
        try await store.client.query(
            "INSERT INTO runhooks_migrations (version, name) VALUES (999, 'from-the-future')", logger: store.logger)
        await #expect {
            _ = try await fixture.reopen()
        } throws: { error in
            guard case .schemaTooNew(let detail) = error as? StoreError else { return false }
            return detail.contains("999")
        }
        await fixture.close()
    }

    @Test func writesRenewalsAndReadsOverALinkThatWentDownFailWithinTheAnswerLimitAndGoThroughOnceItIsBack() async throws {
        let relayed = try await RelayedPostgresStore.open(answerLimit: .seconds(1))
        let (store, relay) = (relayed.store, relayed.relay)
        let handled = EngineWrite.requestHandled(id: "none", at: Date())
        _ = try await store.apply([handled])
        #expect(try await store.acquireLeases(shards: [1], node: "a", duration: 30, at: Date()).count == 1)

        // The link goes down with the pool's connection open: no answer, no error, no reset.
        relay.setCut(true)
        // An API read sent over it is not waited for past the limit (a 503, not a hang).
        await #expect(throws: StoreError.self) { try await store.user(id: "usr_none") }
        await #expect(throws: StoreError.self) { try await store.apply([handled]) }
        await #expect(throws: StoreError.self) { try await store.acquireLeases(shards: [1], node: "a", duration: 30, at: Date()) }
        // Nor is the pool, while it waits for a new connection.
        await #expect(throws: StoreError.self) { try await store.user(id: "usr_none") }

        // Back: the stuck connections were closed, and new ones answer once the pool's
        // connection attempts begun while the link was down have timed out (as the engine's
        // journal does, the test tries again; each try ends within the limit).
        relay.setCut(false)
        var leases: [Int: ShardLease] = [:]
        for _ in 0..<30 where leases.isEmpty {
            leases = (try? await store.acquireLeases(shards: [1], node: "a", duration: 30, at: Date())) ?? [:]
        }
        #expect(leases.count == 1)
        _ = try await store.apply([handled])
        await relayed.close()
    }

    @Test(.timeLimit(.minutes(1)))
    func aListingWhoseAnswerStopsHalfWayFailsWithinTheAnswerLimitAndWorksOnceTheLinkIsBack() async throws {
        let relayed = try await RelayedPostgresStore.open(answerLimit: .seconds(1))
        let (store, relay, user) = (relayed.store, relayed.relay, relayed.user)
        for number in 0..<40 {
            var job = Fixtures.job(userId: user.id, name: "job \(number)")
            job.httpConfig.body = String(repeating: "x", count: 8_000)
            try await store.insertJob(job, shard: 1)
        }
        let page = PageRequest(page: 1, limit: 40)
        #expect(try await store.listJobs(userId: user.id, filter: JobFilter(), page: page).items.count == 40)

        // The link goes down 64 KiB into the listing's answer of about 320 KB: its first rows
        // have arrived, the rest never come, and the connection is neither closed nor reset.
        relay.cutAnswers(after: 64 * 1024)
        await #expect(throws: StoreError.self) { try await store.listJobs(userId: user.id, filter: JobFilter(), page: page) }

        // Back: the stuck connection was closed, and a new one lists every job.
        relay.cutAnswers(after: nil)
        var listed: Page<Job>?
        for _ in 0..<30 where listed == nil {
            listed = try? await store.listJobs(userId: user.id, filter: JobFilter(), page: page)
        }
        #expect(listed?.items.count == 40)
        await relayed.close()
    }

    @Test(.timeLimit(.minutes(1)))
    func aBatchOverASlowLinkThatKeepsAnsweringCommitsThoughItTakesLongerThanTheAnswerLimit() async throws {
        let relayed = try await RelayedPostgresStore.open(answerLimit: .seconds(2))
        let (store, relay, user) = (relayed.store, relayed.relay, relayed.user)
        let job = try await relayed.addJob()
        let lease = try #require(try await store.acquireLeases(shards: [1], node: "a", duration: 60, at: Date())[1])
        let fence = LeaseFence(shard: 1, owner: "a", epoch: lease.epoch)

        // Every answer now takes 500 ms to come back. A batch of claims is about seven round
        // trips (BEGIN, the lease check, savepoint, insert, release, counters, COMMIT): over 3 s
        // in all, but never 2 s without an answer.
        relay.delayAnswers(by: .milliseconds(500))
        let claims = (0..<5).map { index in
            EngineWrite.claim(
                Fixtures.execution(job: job, status: .running, offsetMs: Int64(index) * 1000), advancesSlot: true,
                fence: fence, countsRun: true)
        }
        let started = ContinuousClock.now
        #expect(try await store.apply(claims) == Array(repeating: true, count: 5))
        #expect(ContinuousClock.now - started > .seconds(2))
        relay.delayAnswers(by: .zero)
        #expect(try await store.listExecutions(userId: user.id, filter: ExecutionFilter(), page: PageRequest()).total == 5)
        await relayed.close()
    }

    /// Another transaction holds the first of two slots (uncommitted) while a batch claims both,
    /// the later slot listed first; once the batch waits, that transaction takes the second slot
    /// too. Claims taken in the batch's order would deadlock here: the batch holding the second
    /// slot and waiting for the first, the other transaction the reverse.
    @Test(.timeLimit(.minutes(1)))
    func overlappingClaimsInAnotherOrderWaitInsteadOfDeadlocking() async throws {
        let fixture = try await StoreFixture.make(.postgres)
        let store = try #require(fixture.store as? PostgresStore)
        let logger = store.logger
        let (_, job) = try await fixture.userWithJob(shard: 1)
        let first = Fixtures.execution(job: job, status: .running)
        let second = Fixtures.execution(job: job, status: .running, offsetMs: 1000)
        let (firstHeld, holdFirst) = AsyncStream<Void>.makeStream()
        let (batchWaits, tellBatchWaits) = AsyncStream<Void>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await store.client.withConnection { other in
                    func insert(_ slot: Execution) async throws {
                        try await other.query(
                            """
                            INSERT INTO executions (id, user_id, job_id, status, scheduled_for, attempt, missed_slots, created_at)
                            VALUES (\("other-\(slot.id)"), \(slot.userId), \(slot.jobId), 'running',
                                    \(slot.scheduledFor.millisecondsSince1970), 1, 0, \(slot.createdAt.millisecondsSince1970))
                            """, logger: logger)
                    }
                    try await other.query("BEGIN", logger: logger)
                    try await insert(first)
                    holdFirst.yield()
                    for await _ in batchWaits { break }
                    try await insert(second)
                    try await other.query("ROLLBACK", logger: logger)
                }
            }
            for await _ in firstHeld { break }
            group.addTask {
                let claims = [second, first].map { EngineWrite.claim($0, advancesSlot: true, fence: nil) }
                let won = try await store.apply(claims)
                #expect(won == [true, true])
            }
            try await waitUntilAStatementWaitsForALock(like: "%INSERT INTO executions%unnest%", in: store)
            tellBatchWaits.yield()
            try await group.waitForAll()
        }
        let claimed = try await store.listExecutions(userId: job.userId, filter: ExecutionFilter(), page: PageRequest())
        #expect(Set(claimed.items.map(\.id)) == [first.id, second.id])
        await fixture.close()
    }

    /// A release of two leases stored in the other order (shard 2's row first in the table)
    /// while another transaction, locking in shard order as a renewal does, holds shard 1 and
    /// then takes shard 2. A release that locked rows in table order would hold shard 2 and wait
    /// for shard 1: a deadlock.
    @Test(.timeLimit(.minutes(1)))
    func aLeaseReleaseLocksInShardOrderSoItWaitsInsteadOfDeadlocking() async throws {
        let fixture = try await StoreFixture.make(.postgres)
        let store = try #require(fixture.store as? PostgresStore)
        let logger = store.logger
        _ = try await store.acquireLeases(shards: [2], node: "a", duration: 60, at: Date())
        _ = try await store.acquireLeases(shards: [1], node: "a", duration: 60, at: Date())
        let (firstHeld, holdFirst) = AsyncStream<Void>.makeStream()
        let (releaseWaits, tellReleaseWaits) = AsyncStream<Void>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await store.client.withConnection { other in
                    try await other.query("BEGIN", logger: logger)
                    try await other.query("UPDATE shard_leases SET expires_at = expires_at WHERE shard = 1", logger: logger)
                    holdFirst.yield()
                    for await _ in releaseWaits { break }
                    try await other.query("UPDATE shard_leases SET expires_at = expires_at WHERE shard = 2", logger: logger)
                    try await other.query("COMMIT", logger: logger)
                }
            }
            for await _ in firstHeld { break }
            group.addTask { try await store.releaseLeases(shards: [1, 2], node: "a") }
            try await waitUntilAStatementWaitsForALock(like: "%SET expires_at = 0%", in: store)
            tellReleaseWaits.yield()
            try await group.waitForAll()
        }
        // Both released: another node takes them at once.
        #expect(try await store.acquireLeases(shards: [1, 2], node: "b", duration: 60, at: Date()).count == 2)
        await fixture.close()
    }

    /// Returns once a statement whose text is `like` the pattern waits for a lock (at most 20 s).
    private func waitUntilAStatementWaitsForALock(like pattern: String, in store: PostgresStore) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while try await store.client.query(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE \(pattern)",
            logger: store.logger
        ).first({ try $0.decode(Int.self) }) != 1 {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func sslmodeRequireConnectsOverTLS() async throws {
        let plain = try await PostgresTestDatabase.create()
        var components = try #require(URLComponents(string: plain))
        components.queryItems = [URLQueryItem(name: "sslmode", value: "require")]
        let store = try await PostgresStore.open(url: try PostgresURL(components.string!))
        let encrypted = try await store.client.query(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: store.logger
        ).first { try $0.decode(Bool.self) }
        #expect(encrypted == true)
        await store.close()
        await PostgresTestDatabase.drop(plain)
    }
}

/// Parsing a `--database postgres://…` URL needs no server.
@Suite struct PostgresURLTests {
    @Test func urlsAreCheckedAndPasswordsNeverShown() throws {
        let url = try PostgresURL("postgresql://rh:s%40cret@db.example:6543/runhooks?sslmode=require")
        #expect(url.host == "db.example" && url.port == 6543 && url.username == "rh" && url.password == "s@cret")
        #expect(url.database == "runhooks" && url.sslMode == .require)
        #expect(!url.redacted.contains("cret"))
        #expect(try PostgresURL("postgres://rh@localhost/db").sslMode == .prefer)
        for bad in ["mysql://u@h/db", "postgres://u@h/", "postgres://@h/db", "postgres://u@h/db?sslmode=verify-ca",
                    "postgres://u@h/db?pool=3", "postgres://u:p@h:70000/db"] {
            #expect(throws: PostgresURLError.self, "\(bad)") { try PostgresURL(bad) }
        }
    }
}
