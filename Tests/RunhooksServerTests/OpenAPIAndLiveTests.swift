import Foundation
import Hummingbird
import HummingbirdTesting
import RunhooksCore
import RunhooksStore
import RunhooksTestSupport
import Testing

@testable import RunhooksServer

@Suite struct OpenAPITests {
    @Test func everyRouteIsDocumented() async throws {
        let environment = try await TestEnvironment.make()
        let routes = buildRouter(services: environment.services).routes.map { ($0.path.description, $0.method.rawValue) }
        try await environment.test { api in
            let document = try await api.get("/openapi.json").json
            #expect(document["openapi"] == "3.1.0")
            // The document's version is the server's own, as /health reports it.
            let health = try await api.get("/health").data
            #expect(document["info"]?["version"] == health["version"] && health["version"]?.string == HealthController.version)
            let paths = try #require(document["paths"]?.object)
            var documented = 0
            // The dashboard (`/`, `/assets/…`) is a client of the API, not part of it.
            let dashboard: Set<String> = ["/", "/assets/{file}"]
            for (path, method) in routes where !dashboard.contains(path) {
                #expect(path.hasPrefix("/api/v1/"), "\(path)")
                let openAPIPath = String(path.dropFirst("/api/v1".count)).replacingOccurrences(of: ":id", with: "{id}")
                #expect(paths[openAPIPath]?[method.lowercased()] != nil, "\(method) \(path) is missing from openapi.json")
                documented += 1
            }
            #expect(documented >= 22)
            let operations = paths.values.reduce(0) { $0 + ($1.object?.count ?? 0) }
            #expect(operations == documented, "the document lists routes the server does not have")
        }
    }
}

@Suite struct LiveServerTests {
    @Test func quickStartOverARealSocketAndDataSurvivesRestart() async throws {
        let environment = try await TestEnvironment.make()
        let saved = SavedValue()
        try await environment.application().test(.live) { client in
            let api = APIClient(client: client)
            let key = try await api.anonymousKey(name: "My Server")
            let job = try await api.createJob(key)
            #expect(job.status == .created)
            #expect(try await api.get("/jobs", token: key).data["total"]?.int == 1)
            let id = try #require(job.data["id"]?.string)
            #expect(try await api.get("/jobs/\(id)/executions", token: key).data["data"]?.array?.isEmpty == true)
            saved.set(key)
        }
        try environment.store.close()
        let reopened = try SQLiteStore(path: environment.directory.appendingPathComponent("runhooks.sqlite").path)
        let services = try await buildServices(configuration: ServerConfiguration(), store: reopened, jwtSecret: "another-secret-that-is-long-enough-for-hs256")
        try await Application(router: buildRouter(services: services)).test(.live) { client in
            let api = APIClient(client: client)
            let key = try #require(saved.get())
            let jobs = try await api.get("/jobs", token: key)
            #expect(jobs.status == .ok && jobs.data["data"]?[0]?["name"] == "Sync inventory")
        }
    }

    @Test func aSecondServerOnTheSameDataDirectoryIsRefused() throws {
        let directory = TestScratch.path("runhooks-lock")
        let first = try DataDirectory(path: directory.path)
        #expect {
            _ = try DataDirectory(path: directory.path)
        } throws: { error in
            "\(error)".contains("another runhooks server is already using the data directory")
        }
        withExtendedLifetime(first) {}
        #expect(try first.jwtSecret() == first.jwtSecret())
    }
}

/// Carries a value out of one test closure into the next.
final class SavedValue: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    func set(_ newValue: String) { lock.withLock { value = newValue } }
    func get() -> String? { lock.withLock { value } }
}
