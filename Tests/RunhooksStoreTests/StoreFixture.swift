import Foundation
import RunhooksCore
import RunhooksTestSupport

@testable import RunhooksStore

/// The backends every contract test runs against: SQLite always, PostgreSQL when a test
/// server is configured (`scripts/test` starts one; without it the reason is printed).
enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres

    var description: String { rawValue }

    static let available: [Backend] = {
        guard PostgresTestDatabase.serverURL != nil else {
            print(PostgresTestDatabase.skipReason)
            return [.sqlite]
        }
        return [.sqlite, .postgres]
    }()
}

/// A fresh, empty store of one backend: a temporary SQLite file, or a new PostgreSQL database.
struct StoreFixture: Sendable {
    let backend: Backend
    let store: any Store
    private let location: String

    static func make(_ backend: Backend) async throws -> StoreFixture {
        switch backend {
        case .sqlite:
            let directory = TestScratch.path("runhooks-store")
            let path = directory.appendingPathComponent("runhooks.sqlite").path
            return StoreFixture(backend: backend, store: try SQLiteStore(path: path), location: path)
        case .postgres:
            let url = try await PostgresTestDatabase.create()
            return StoreFixture(backend: backend, store: try await PostgresStore.open(url: try PostgresURL(url)), location: url)
        }
    }

    /// A second store on the same data (another node, or the same one after a restart).
    func reopen() async throws -> any Store {
        switch backend {
        case .sqlite: try SQLiteStore(path: location)
        case .postgres: try await PostgresStore.open(url: try PostgresURL(location))
        }
    }

    /// Closes a store made by `make` or `reopen`.
    static func close(_ store: any Store) async {
        if let store = store as? PostgresStore { await store.close() }
        if let store = store as? SQLiteStore { try? store.close() }
    }

    func close() async {
        await Self.close(store)
        switch backend {
        case .sqlite: try? FileManager.default.removeItem(atPath: (location as NSString).deletingLastPathComponent)
        case .postgres: await PostgresTestDatabase.drop(location)
        }
    }

    var url: String { location }

    /// A user with one active job on `shard`, both stored.
    func userWithJob(shard: Int) async throws -> (User, Job) {
        let user = Fixtures.user()
        try await store.insertUser(user, passwordHash: nil, apiKeyHash: "key-\(user.id)")
        let job = Fixtures.job(userId: user.id)
        try await store.insertJob(job, shard: shard)
        return (user, job)
    }
}

enum Fixtures {
    static let ids = ObjectIDGenerator()
    static let now = Date(milliseconds: 1_736_942_400_000)

    static func user(email: String? = nil, plan: Plan = .free) -> User {
        User(
            id: ids.next(), email: email, name: "Tester", role: .user, plan: plan, isAnonymous: email == nil,
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

    static func alert(userId: String, jobId: String?) -> AlertConfig {
        AlertConfig(
            id: ids.next(), userId: userId, name: "a", channel: .webhook, target: "https://x.example",
            jobId: jobId, consecutiveFailuresThreshold: 1, cooldownMinutes: 0, enabled: true,
            createdAt: now, updatedAt: now)
    }
}
