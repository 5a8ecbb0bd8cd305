import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Just enough of the Runhooks API for the load generator.
struct APIClient: Sendable {
    let client: HTTPClient
    let base: String

    func send(_ method: HTTPMethod, _ path: String, key: String? = nil, body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        // A cluster answers 503 with Retry-After while a tenant's shard changes hands: wait and retry.
        for attempt in 1...20 {
            let response = try await client.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
            if response.status == .serviceUnavailable, attempt < 20, let retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init) {
                try await Task.sleep(for: .seconds(max(0.2, min(retryAfter, 5))))
                continue
            }
            guard (200..<300).contains(Int(response.status.code)) else {
                throw LoadError("\(method.rawValue) \(path) answered \(response.status.code): \(json["error"] ?? "")")
            }
            return json
        }
        throw LoadError("\(method.rawValue) \(path): still unavailable after 20 tries")
    }

    func registerTenant(name: String) async throws -> (key: String, userId: String) {
        let json = try await send(.POST, "/auth/register-anonymous", body: ["name": name])
        guard let data = json["data"] as? [String: Any], let key = data["apiKey"] as? String,
            let user = data["user"] as? [String: Any], let id = user["id"] as? String
        else { throw LoadError("unexpected registration answer: \(json)") }
        return (key, id)
    }

    func createJob(key: String, name: String, intervalMs: Int, url: String) async throws -> String {
        let json = try await send(
            .POST, "/jobs", key: key,
            body: [
                "name": name, "schedule": ["type": "interval", "expression": String(intervalMs)],
                "httpConfig": ["url": url, "method": "POST"], "retryPolicy": ["maxRetries": 0],
            ])
        guard let id = (json["data"] as? [String: Any])?["id"] as? String else { throw LoadError("no job id in \(json)") }
        return id
    }

    func delete(_ path: String, key: String) async throws {
        _ = try await send(.DELETE, path, key: key)
    }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
