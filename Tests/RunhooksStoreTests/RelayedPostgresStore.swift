import Foundation
import RunhooksTestSupport
import Testing

@testable import RunhooksStore

/// A PostgreSQL store on a new test database, reached through a `CuttableRelay` so a test can
/// cut, stall or slow its link.
struct RelayedPostgresStore {
    let store: PostgresStore
    let relay: CuttableRelay
    private let database: String

    static func open(answerLimit: Duration) async throws -> RelayedPostgresStore {
        let database = try await PostgresTestDatabase.create()
        var components = try #require(URLComponents(string: database))
        let relay = try await CuttableRelay.start(to: components.host ?? "127.0.0.1", port: components.port ?? 5432)
        components.host = "127.0.0.1"
        components.port = relay.port
        let store = try await PostgresStore.open(url: try PostgresURL(components.string!), answerLimit: answerLimit)
        return RelayedPostgresStore(store: store, relay: relay, database: database)
    }

    func close() async {
        await store.close()
        await relay.stop()
        await PostgresTestDatabase.drop(database)
    }
}
