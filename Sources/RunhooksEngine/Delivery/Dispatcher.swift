import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import RunhooksCore

/// Sends job requests with one shared HTTP client. Every attempt resolves the target and
/// refuses non-public addresses (unless private targets are allowed); plain-http requests are
/// then pinned to the checked address, so a DNS answer that changes between check and connect
/// cannot redirect them. For https the certificate check does the same job. Redirects are not
/// followed: a 3xx is recorded as the answer.
public final class Dispatcher: Sendable {
    public static let responseCaptureLimit = 64 * 1024
    public static let truncationMarker = "\n…[truncated by Runhooks at 64 KiB]"

    public struct Request: Sendable {
        public var url: String
        public var method: HTTPConfig.Method
        public var headers: [String: String]
        public var body: String?
        public var timeoutMs: Int
        public var jobId: String
        public var executionId: String
        public var attempt: Int
        public var scheduledFor: Date
        public var signing: Signing?

        public init(job: Job, executionId: String, attempt: Int, scheduledFor: Date, signing: Signing? = nil) {
            url = job.httpConfig.url
            method = job.httpConfig.method
            headers = job.httpConfig.headers ?? [:]
            body = job.httpConfig.body
            timeoutMs = job.httpConfig.timeoutMs
            jobId = job.id
            self.executionId = executionId
            self.attempt = attempt
            self.scheduledFor = scheduledFor
            self.signing = signing
        }
    }

    /// What a request is signed with (Standard Webhooks): its message id and the account's
    /// active secrets. The timestamp is taken as the request leaves.
    public struct Signing: Sendable {
        public var messageId: String
        public var secrets: [WebhookSecret]

        public init(messageId: String, secrets: [WebhookSecret]) {
            self.messageId = messageId
            self.secrets = secrets
        }
    }

    public static let userAgent = "Runhooks/0.1.0"

    let targets: TargetGuard
    private enum ClientState {
        case idle
        case running(HTTPClient)
        case shutDown
    }

    /// The client is made on first use (a dispatcher that never sends needs no shutdown) and
    /// never again after `shutdown()`.
    private let clientState = NIOLockedValueBox(ClientState.idle)

    public init(targets: TargetGuard) {
        self.targets = targets
    }

    var client: HTTPClient? {
        clientState.withLockedValue { state in
            switch state {
            case .running(let client): return client
            case .shutDown: return nil
            case .idle: break
            }
            var configuration = HTTPClient.Configuration()
            configuration.redirectConfiguration = .disallow
            configuration.decompression = .enabled(limit: .ratio(20))
            configuration.connectionPool = .init(idleTimeout: .seconds(60))
            // As many connections to one host as the engine has runs in flight: a slow endpoint
            // must not queue other jobs' requests to the same host behind its own (each tenant's
            // plan already bounds how many of its runs are in flight).
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = InFlightRuns.defaultCapacity
            // A refused connection is this attempt's answer; retrying is the run's decision.
            configuration.connectionPool.retryConnectionEstablishment = false
            let created = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            state = .running(created)
            return created
        }
    }

    public func shutdown() async throws {
        let client = clientState.withLockedValue { state -> HTTPClient? in
            defer { state = .shutDown }
            if case .running(let client) = state { return client }
            return nil
        }
        try await client?.shutdown()
    }

    public func deliver(_ request: Request) async -> DeliveryOutcome {
        var headers = request.headers
        headers["User-Agent"] = Self.userAgent
        headers["Runhooks-Job-Id"] = request.jobId
        headers["Runhooks-Execution-Id"] = request.executionId
        headers["Runhooks-Attempt"] = String(request.attempt)
        headers["Runhooks-Scheduled-At"] = request.scheduledFor.iso8601Milliseconds
        return await send(
            url: request.url, method: request.method, headers: headers, body: request.body, timeoutMs: request.timeoutMs,
            signing: request.signing)
    }

    /// Sends one HTTP request to a target that passes the SSRF guard now.
    public func send(
        url: String, method: HTTPConfig.Method, headers: [String: String], body: String?, timeoutMs: Int,
        signing: Signing? = nil
    ) async -> DeliveryOutcome {
        let start = ContinuousClock.now
        func elapsed() -> Int {
            let duration = ContinuousClock.now - start
            return Int(duration.milliseconds)
        }
        let pinned: PinnedTarget
        switch await targets.pin(url) {
        case .success(let target): pinned = target
        case .failure(let refusal):
            return DeliveryOutcome(kind: refusal.isPolicy ? .refused : .networkError, durationMs: elapsed(), error: refusal.message)
        }
        var outgoing = HTTPClientRequest(url: pinned.url)
        outgoing.method = HTTPMethod(rawValue: method.rawValue)
        for (name, value) in headers { outgoing.headers.replaceOrAdd(name: name, value: value) }
        if let host = pinned.hostHeader { outgoing.headers.replaceOrAdd(name: "Host", value: host) }
        if let body { outgoing.body = .bytes(ByteBuffer(string: body)) }
        if let signing, !signing.secrets.isEmpty {
            let timestamp = Int64(Date().timeIntervalSince1970)
            for (name, value) in WebhookSignature.headers(
                id: signing.messageId, timestamp: timestamp, body: Array((body ?? "").utf8), secrets: signing.secrets)
            {
                outgoing.headers.replaceOrAdd(name: name, value: value)
            }
        }
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeoutMs))
        guard let client else {
            return DeliveryOutcome(kind: .networkError, durationMs: elapsed(), error: "not sent: the server is shutting down")
        }
        do {
            let response = try await client.execute(outgoing, deadline: deadline)
            var captured = ByteBuffer()
            var truncated = false
            for try await chunk in response.body {
                let room = Self.responseCaptureLimit - captured.readableBytes
                if chunk.readableBytes > room {
                    var part = chunk
                    if let slice = part.readSlice(length: room) { captured.writeImmutableBuffer(slice) }
                    truncated = true
                    break
                }
                captured.writeImmutableBuffer(chunk)
            }
            var text = String(decoding: captured.readableBytesView, as: UTF8.self)
            if truncated { text += Self.truncationMarker }
            let status = Int(response.status.code)
            return DeliveryOutcome(
                kind: .response(status: status), responseBody: text.isEmpty ? nil : text, durationMs: elapsed(),
                error: (200..<300).contains(status) ? nil : "HTTP \(status) \(response.status.reasonPhrase)",
                retryAfterSeconds: response.headers.first(name: "Retry-After").flatMap { Int($0) })
        } catch let error as HTTPClientError where Self.isTimeout(error) {
            return DeliveryOutcome(kind: .timeout, durationMs: elapsed(), error: "timed out after \(timeoutMs) ms")
        } catch {
            if NIODeadline.now() >= deadline {
                return DeliveryOutcome(kind: .timeout, durationMs: elapsed(), error: "timed out after \(timeoutMs) ms")
            }
            return DeliveryOutcome(kind: .networkError, durationMs: elapsed(), error: Self.describe(error))
        }
    }

    static func isTimeout(_ error: HTTPClientError) -> Bool {
        error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout || error == .writeTimeout
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .remoteConnectionClosed { return "connection closed by the target" }
            return "HTTP client error: \(error)"
        }
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return text
    }
}
