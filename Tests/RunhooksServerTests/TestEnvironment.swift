import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import RunhooksCore
import RunhooksStore
import RunhooksTestSupport

@testable import RunhooksServer

/// One server's worth of state for a test: its own data directory, store and manual clock.
struct TestEnvironment {
    let directory: URL
    let store: SQLiteStore
    let clock: ManualWallClock
    let services: AppServices

    /// `cluster`: the services of node "a" of a cluster (engine and gateway built, not started).
    /// `engine`: a lone node's delivery engine built too (not started).
    static func make(
        rateLimits: Bool = false, allowPrivateTargets: Bool = false, minIntervalMs: Int = 1000,
        cluster: ClusterConfiguration? = nil, engine: Bool = false, trustedProxies: [IPNetwork] = [],
        forwardingHeader: ForwardingHeader = .xForwardedFor
    ) async throws -> TestEnvironment {
        let directory = TestScratch.path("runhooks-test")
        let store = try SQLiteStore(path: directory.appendingPathComponent("runhooks.sqlite").path)
        let clock = ManualWallClock(Date())
        var configuration = ServerConfiguration()
        configuration.dataDirectory = directory.path
        configuration.rateLimitsEnabled = rateLimits
        configuration.allowPrivateTargets = allowPrivateTargets
        configuration.minIntervalMs = minIntervalMs
        configuration.bcryptCost = 4
        configuration.cluster = cluster
        configuration.trustedProxies = trustedProxies
        configuration.forwardingHeader = forwardingHeader
        let services = try await buildServices(
            configuration: configuration, store: store, jwtSecret: "test-secret-\(UUID().uuidString)", clock: clock,
            withEngine: engine || cluster != nil, nodeId: cluster?.nodeId ?? "local")
        return TestEnvironment(directory: directory, store: store, clock: clock, services: services)
    }

    func application() -> some ApplicationProtocol {
        Application(router: buildRouter(services: services), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// Runs `body` against the router in process (no socket).
    func test(_ body: @escaping @Sendable (APIClient) async throws -> Void) async throws {
        try await application().test(.router) { client in
            try await body(APIClient(client: client))
        }
    }

    /// Runs `body` against the server on a real socket (the peer is 127.0.0.1).
    func testLive(_ body: @escaping @Sendable (APIClient) async throws -> Void) async throws {
        try await application().test(.live) { client in
            try await body(APIClient(client: client))
        }
    }
}

/// A decoded API response.
struct APIResult: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let json: JSONValue

    var data: JSONValue { json["data"] ?? .null }
    var error: String? { json["error"]?.string }
    var message: String? { json["message"]?.string }
}

/// Sends requests the way an API client would.
struct APIClient: Sendable {
    let client: any TestClientProtocol

    static func email(_ local: String) -> String { local + "\u{40}example.com" }

    func request(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: JSONValue? = nil,
        raw: String? = nil, contentType: String? = "application/json", headers extra: HTTPFields = [:]
    ) async throws -> APIResult {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(bytes: try JSONEncoder().encode(json))
        } else if let raw {
            body = ByteBuffer(string: raw)
        }
        if body != nil, let contentType { headers[.contentType] = contentType }
        let response = try await client.execute(uri: "/api/v1" + path, method: method, headers: headers, body: body)
        let parsed = try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
        return APIResult(status: response.status, headers: response.headers, json: parsed)
    }

    func get(_ path: String, token: String? = nil) async throws -> APIResult {
        try await request(.get, path, token: token)
    }

    func post(_ path: String, token: String? = nil, json: JSONValue? = nil) async throws -> APIResult {
        try await request(.post, path, token: token, json: json)
    }

    /// Registers an anonymous account and returns its API key.
    func anonymousKey(name: String = "Tester") async throws -> String {
        let result = try await post("/auth/register-anonymous", json: ["name": .string(name)])
        guard result.status == .created, let key = result.data["apiKey"]?.string else {
            throw TestFailure("registration failed: \(result.json)")
        }
        return key
    }

    func createJob(_ token: String, _ body: JSONValue = APIClient.sampleJob) async throws -> APIResult {
        try await post("/jobs", token: token, json: body)
    }

    static let sampleJob: JSONValue = [
        "name": "Sync inventory",
        "schedule": ["type": "cron", "expression": "*/5 * * * *"],
        "httpConfig": ["url": "https://api.example.com/sync", "method": "POST"],
    ]
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
