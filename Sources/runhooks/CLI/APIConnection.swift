import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RunhooksCore

/// One call to the API: sends JSON, unwraps the `{success, data, message}` envelope, and
/// turns an error envelope into a `CommandFailure` carrying the API's message.
struct APIConnection {
    let baseURL: String
    let apiKey: String?

    /// The command line's HTTP client. A refused or failed connection is reported at once:
    /// AsyncHTTPClient's default tries it again with backoff until the request's deadline, which
    /// left a mistyped address (or a server not started) silent for a minute.
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    struct Reply {
        var status: Int
        var data: JSONValue?
        var message: String?
    }

    func send(_ method: HTTPMethod, _ path: String, query: [String: String?] = [:], body: JSONValue? = nil) async throws -> Reply {
        try await exchange(method, path, query: query, body: body, notFoundIsAnAnswer: false)
    }

    /// The `data` of a GET, or nil when the API answers 404.
    func find(_ path: String) async throws -> JSONValue? {
        let reply = try await exchange(.GET, path, query: [:], body: nil, notFoundIsAnAnswer: true)
        return reply.status == 404 ? nil : reply.data
    }

    private func exchange(
        _ method: HTTPMethod, _ path: String, query: [String: String?], body: JSONValue?, notFoundIsAnAnswer: Bool
    ) async throws -> Reply {
        var components = URLComponents(string: baseURL + path)
        let items = query.compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }.sorted { $0.name < $1.name }
        if !items.isEmpty { components?.queryItems = items }
        guard let url = components?.string else { throw CommandFailure("not a valid URL: \(baseURL + path)") }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: "runhooks-cli/\(RunhooksVersion.current)")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        }
        let response: HTTPClientResponse
        do {
            response = try await Self.http.execute(request, timeout: .seconds(60))
        } catch {
            throw CommandFailure("cannot reach \(baseURL): \(Self.describeConnectFailure(error))")
        }
        let bytes = try await response.body.collect(upTo: 64 * 1_048_576)
        let status = Int(response.status.code)
        let envelope = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))
        guard (200..<300).contains(status) || (notFoundIsAnAnswer && status == 404) else {
            let message = envelope?["error"]?.string ?? envelope?["message"]?.string ?? String(String(buffer: bytes).prefix(300))
            var text = "\(message) (HTTP \(status))"
            if let details = envelope?["details"] { text += "\n" + Output.jsonText(details) }
            throw CommandFailure(text)
        }
        return Reply(status: status, data: envelope?["data"], message: envelope?["message"]?.string)
    }

    /// Checks that a Runhooks API answers at the base URL, with a plain message when not.
    func requireRunhooks() async throws {
        let health: Reply
        do {
            health = try await send(.GET, "/health")
        } catch let failure as CommandFailure where failure.description.contains("(HTTP 404)") {
            throw CommandFailure(
                "\(baseURL) answers, but not as a Runhooks API (GET /health: HTTP 404); "
                    + "give the server's address, e.g. --api-url http://127.0.0.1:8080")
        }
        guard health.data?["status"] != nil else {
            throw CommandFailure("\(baseURL) answers, but not as a Runhooks API; give the server's address, e.g. --api-url http://127.0.0.1:8080")
        }
    }

    static func describeConnectFailure(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("Connection refused") || text.contains("connectionRefused") {
            return "connection refused: no server is listening there (start one with `runhooks serve`)"
        }
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") || text.contains("Timeout") {
            return "no answer in time: is the address right, and is the server running?"
        }
        if text.contains("NXDOMAIN") || text.contains("nodename nor servname") || text.contains("Name or service not known")
            || text.contains("getaddrinfo") || text.contains("resolve")
        {
            return "the host name does not resolve"
        }
        return text
    }
}
