import Foundation
import GRDB
import HTTPTypes
import RunhooksCore
import RunhooksTestSupport
import Testing

@testable import RunhooksServer
@testable import RunhooksStore

/// A store that still reads but can no longer write, as on a full disk.
@Suite struct FullStoreTests {
    /// From now on the store's file cannot grow: SQLite answers every write that needs a new
    /// page "database or disk is full" (SQLITE_FULL), as it does when the disk is full.
    static func fill(_ store: SQLiteStore) async throws {
        try await store.pool.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
    }

    static func makeRoom(_ store: SQLiteStore) async throws {
        try await store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
    }

    /// A job whose body needs pages of its own.
    static let bulkyJob: JSONValue = [
        "name": "Bulky", "schedule": ["type": "interval", "expression": "60000"],
        "httpConfig": ["url": "https://api.example.com/bulk", "method": "POST", "body": .string(String(repeating: "x", count: 40_000))],
    ]

    @Test func writesGet503WhileTheDiskIsFullAndReadsStillAnswer() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let key = try await api.anonymousKey()
            let created = try await api.createJob(key)
            let id = try #require(created.data["id"]?.string)
            try await Self.fill(environment.store)

            let refused = try await api.createJob(key, Self.bulkyJob)
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.error == "The data store is unavailable; try again shortly")
            #expect(try await api.get("/jobs/\(id)", token: key).status == .ok)

            try await Self.makeRoom(environment.store)
            #expect(try await api.createJob(key, Self.bulkyJob).status == .created)
        }
    }

    @Test func healthIsDegradedWhileTheEngineCannotWrite() async throws {
        let environment = try await TestEnvironment.make(engine: true)
        let engine = try #require(environment.services.engine)
        try await environment.test { api in
            let key = try await api.anonymousKey()
            let created = try await api.createJob(key)
            let jobId = try #require(created.data["id"]?.string)
            let userId = try #require(try await api.get("/auth/me", token: key).data["id"]?.string)
            #expect(try await api.get("/health").status == .ok)

            try await Self.fill(environment.store)
            // A result the engine must record, too big for the pages left.
            let now = environment.clock.now()
            let run = Execution(
                id: ObjectIDGenerator().next(at: now), jobId: jobId, userId: userId, status: .success, scheduledFor: now,
                attempt: 1, responseBody: String(repeating: "y", count: 40_000), createdAt: now)
            await engine.journal.enqueue(.claim(run, advancesSlot: false, fence: nil))
            let degraded = try await Self.health(api, becomes: .serviceUnavailable)
            #expect(degraded.json["success"] == false)
            #expect(degraded.data["status"] == "degraded")
            #expect(degraded.data["services"]?["store"]?["error"] == "writes are failing")

            // Nothing was dropped meanwhile: once there is room, the write lands and health recovers.
            try await Self.makeRoom(environment.store)
            #expect(try await Self.health(api, becomes: .ok).data["status"] == "ok")
            await engine.journal.drain()
            let page = try await api.get("/jobs/\(jobId)/executions", token: key)
            #expect(page.data["data"]?.array?.count == 1)
        }
    }

    /// Asks `/health` until it answers `status` (the engine's retries run on the real clock).
    static func health(_ api: APIClient, becomes status: HTTPResponse.Status) async throws -> APIResult {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let answer = try await api.get("/health")
            if answer.status == status || ContinuousClock.now > deadline { return answer }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
