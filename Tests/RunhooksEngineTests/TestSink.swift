import Foundation
import Hummingbird
import RunhooksTestSupport
import Logging
import NIOCore

/// A real HTTP server on a loopback port that answers as a test tells it and records every
/// request, so engine tests observe deliveries the way a user's endpoint would.
actor TestSink {
    struct Received: Sendable {
        let path: String
        let method: String
        /// Header names lowercased.
        let headers: [String: String]
        let body: String
        var receivedAt = Date()
    }

    private(set) var received: [Received] = []
    private var waiters: [(id: UUID, count: Int, path: String?, continuation: CheckedContinuation<Bool, Never>)] = []
    private var server: TestHTTPServer?
    private(set) var port = 0
    /// How many times each path has been hit (for answers that change over time).
    private var hits: [String: Int] = [:]
    private var concurrent = 0
    /// Requests to `/held` wait here until the test lets them go.
    private var held: [CheckedContinuation<Void, Never>] = []
    private var heldOpen = false
    /// The most requests the sink was answering at the same time.
    private(set) var maxConcurrent = 0

    static func start() async throws -> TestSink {
        let sink = TestSink()
        try await sink.run()
        return sink
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    private func run() async throws {
        let router = Router()
        router.on("{path}", method: .get) { request, _ in try await self.answer(request) }
        router.on("{path}", method: .post) { request, _ in try await self.answer(request) }
        router.on("{path}", method: .head) { request, _ in try await self.answer(request) }
        let server = await TestHTTPServer.start(router: router, label: "test-sink")
        self.server = server
        port = server.port
    }

    private func enter() {
        concurrent += 1
        maxConcurrent = max(maxConcurrent, concurrent)
    }

    private func leave() { concurrent -= 1 }

    func stop() async {
        await server?.stop()
    }

    private func answer(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        let path = request.uri.path
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        record(Received(path: path, method: request.method.rawValue, headers: headers, body: String(buffer: body)))
        let hit = hits[path, default: 0]  // this request included
        switch path {
        case "/fail": return Response(status: .internalServerError)
        case "/gone": return Response(status: .gone)
        case "/flaky": return Response(status: hit <= 2 ? .serviceUnavailable : .ok)
        case "/busy": return Response(status: .tooManyRequests, headers: [.retryAfter: "7"])
        case "/hang":
            try await Task.sleep(for: .seconds(600))
            return Response(status: .ok)
        case "/held":
            if !heldOpen { await withCheckedContinuation { held.append($0) } }
            return Response(status: .ok)
        case "/slow":
            enter()
            try await Task.sleep(for: .milliseconds(150))
            leave()
            return Response(status: .ok)
        case "/big":
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "x"), count: 100_000)))
        case "/redirect":
            return Response(status: .found, headers: [.location: "http://169.254.169.254/latest"])
        default:
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "{\"ok\":true}")))
        }
    }

    /// Lets every request to `/held` (waiting or to come) answer.
    func releaseHeld() {
        heldOpen = true
        let waiting = held
        held = []
        for request in waiting { request.resume() }
    }

    private func record(_ request: Received) {
        received.append(request)
        hits[request.path, default: 0] += 1
        let ready = waiters.filter { waiter in count(waiter.path) >= waiter.count }
        waiters.removeAll { waiter in count(waiter.path) >= waiter.count }
        for waiter in ready { waiter.continuation.resume(returning: true) }
    }

    func count(_ path: String? = nil) -> Int {
        path.map { path in received.filter { $0.path == path }.count } ?? received.count
    }

    func requests(_ path: String) -> [Received] { received.filter { $0.path == path } }

    /// Waits until `count` requests (to `path`, if given) have arrived; false after `timeout`.
    func waitFor(_ count: Int, path: String? = nil, timeout: Duration = .seconds(20)) async -> Bool {
        if self.count(path) >= count { return true }
        let id = UUID()
        return await withCheckedContinuation { continuation in
            waiters.append((id, count, path, continuation))
            Task {
                try? await Task.sleep(for: timeout)
                self.expire(id: id)
            }
        }
    }

    private func expire(id: UUID) {
        if let index = waiters.firstIndex(where: { $0.id == id }) {
            waiters.remove(at: index).continuation.resume(returning: false)
        }
    }
}
