import Foundation
import GRDB
import RunhooksCore
import Testing

@testable import RunhooksStore

@Suite struct SQLiteStoreTests {
    @Test func pingFailsWhenTheDatabaseFileIsGone() async throws {
        let fixture = try await StoreFixture.make(.sqlite)
        _ = try await fixture.store.ping()
        try FileManager.default.removeItem(atPath: (fixture.url as NSString).deletingLastPathComponent)
        await #expect(throws: StoreError.self) { try await fixture.store.ping() }
    }

    @Test func aSchemaNewerThanTheBinaryIsRefused() async throws {
        let fixture = try await StoreFixture.make(.sqlite)
        await StoreFixture.close(fixture.store)
        let queue = try DatabaseQueue(path: fixture.url)
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        }
        try queue.close()
        #expect {
            _ = try SQLiteStore(path: fixture.url)
        } throws: { error in
            guard case .schemaTooNew(let detail) = error as? StoreError else { return false }
            return detail.contains("v99-from-the-future")
        }
    }
}
