import Foundation
import RunhooksCore
import RunhooksTestSupport
import Testing

@testable import RunhooksStore

/// A PostgreSQL store on a new test database, reached through a `CuttableRelay` so a test can
/// cut, stall or slow its link. It holds one account, `user`.
struct RelayedPostgresStore {
    let store: PostgresStore
    let relay: CuttableRelay
    let user: User
    private let database: String

    static func open(answerLimit: Duration) async throws -> RelayedPostgresStore {
        let database = try await PostgresTestDatabase.create()
        var components = try #require(URLComponents(string: database))
        let relay = try await CuttableRelay.start(to: components.host ?? "127.0.0.1", port: components.port ?? 5432)
        components.host = "127.0.0.1"
        components.port = relay.port
        let store = try await PostgresStore.open(url: try PostgresURL(components.string!), answerLimit: answerLimit)
        let user = Fixtures.user()
        try await store.insertUser(user, passwordHash: nil, apiKeyHash: "key-\(user.id)")
        return RelayedPostgresStore(store: store, relay: relay, user: user, database: database)
    }

    /// A new job of `user` on shard 1.
    func addJob() async throws -> Job {
        let job = Fixtures.job(userId: user.id)
        try await store.insertJob(job, shard: 1)
        return job
    }

    func close() async {
        await store.close()
        await relay.stop()
        await PostgresTestDatabase.drop(database)
    }
}
