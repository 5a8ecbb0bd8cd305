import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
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
        /// When the request should leave (a slot claimed ahead of time); nil: at once.
        public var sendAt: Date?

        public init(
            job: Job, executionId: String, attempt: Int, scheduledFor: Date, signing: Signing? = nil, sendAt: Date? = nil
        ) {
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
            self.sendAt = sendAt
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

    /// How many times its compressed size an answer's body may inflate to.
    static let decompressionRatio = 20

    public static let userAgent = "Runhooks/\(RunhooksVersion.current)"

    let targets: TargetGuard
    let loops: DeliveryLoops
    let client: DeliveryHTTPClient

    /// `sendWindow`: see `DeliveryHTTPClient.init`; a request held for its time may leave up to
    /// that much after it, together with the others due in the same window.
    public init(targets: TargetGuard, sendWindow: Duration = .zero) {
        self.targets = targets
        loops = DeliveryLoops()
        client = DeliveryHTTPClient(loops: loops, sendWindow: TimeAmount(sendWindow))
    }

    /// Closes the connections and stops the delivery loops: call it once no attempt runs.
    public func shutdown() async throws {
        await client.shutdown()
        await loops.shutdown()
    }

    public func deliver(_ request: Request) async -> DeliveryOutcome {
        await send(
            url: request.url, method: request.method, headers: request.headers, body: request.body,
            timeoutMs: request.timeoutMs, signing: request.signing, sendAt: request.sendAt,
            runhooksHeaders: [
                ("Runhooks-Job-Id", request.jobId),
                ("Runhooks-Execution-Id", request.executionId),
                ("Runhooks-Attempt", String(request.attempt)),
                ("Runhooks-Scheduled-At", request.scheduledFor.iso8601Milliseconds),
            ])
    }

    /// Sends one HTTP request to a target that passes the SSRF guard now, at `sendAt` if that
    /// is later (the event loop's timer holds it, so no thread wakes for it before then).
    /// The timeout and the durations count from when the request was due to leave.
    public func send(
        url: String, method: HTTPConfig.Method, headers: [String: String], body: String?, timeoutMs: Int,
        signing: Signing? = nil, sendAt: Date? = nil, runhooksHeaders: [(String, String)] = []
    ) async -> DeliveryOutcome {
        let now = Date()
        let waitNs = sendAt.map { max(0, Int64(($0.timeIntervalSince(now) * 1e9).rounded())) } ?? 0
        let start = ContinuousClock.now + .nanoseconds(waitNs)
        let notBefore = NIODeadline.now() + .nanoseconds(waitNs)
        let deadline = notBefore + .milliseconds(Int64(timeoutMs))
        var timing = ExecutionTiming(totalMs: 0)
        func finished(_ outcome: DeliveryOutcome, writtenAt: NIODeadline? = nil) -> DeliveryOutcome {
            var outcome = outcome
            let elapsed = max(.zero, ContinuousClock.now - start)
            timing.totalMs = elapsed.fractionalMilliseconds
            outcome.durationMs = Int(elapsed.milliseconds)
            outcome.timing = timing
            if let writtenAt { outcome.sentLateMs = max(0, Double((writtenAt - notBefore).nanoseconds) / 1e6) }
            return outcome
        }
        let pinned: PinnedTarget
        switch await targets.pin(url) {
        case .success(let target): pinned = target
        case .failure(let refusal):
            return finished(DeliveryOutcome(kind: refusal.isPolicy ? .refused : .networkError, durationMs: 0, error: refusal.message))
        }
        timing.dnsMs = pinned.dnsMs
        var outgoing = HTTPHeaders()
        outgoing.reserveCapacity(headers.count + runhooksHeaders.count + 4)
        for (name, value) in headers { outgoing.replaceOrAdd(name: name, value: value) }
        // The User-Agent is ours whatever the job set; a job cannot set Runhooks-* or the
        // signature headers (HeaderRules), so those are added without a search.
        outgoing.replaceOrAdd(name: "User-Agent", value: Self.userAgent)
        for (name, value) in runhooksHeaders { outgoing.add(name: name, value: value) }
        let bodyBuffer = body.map { ByteBuffer(string: $0) }
        if let signing, !signing.secrets.isEmpty {
            let timestamp = Int64(max(now, sendAt ?? now).timeIntervalSince1970)
            for (name, value) in WebhookSignature.headers(
                id: signing.messageId, timestamp: timestamp, body: bodyBuffer?.readableBytesView ?? ByteBuffer().readableBytesView,
                secrets: signing.secrets)
            {
                outgoing.add(name: name, value: value)
            }
        }
        let result = await client.execute(
            DeliveryHTTPClient.Request(
                target: pinned, method: HTTPMethod(rawValue: method.rawValue), headers: outgoing, body: bodyBuffer,
                deadline: deadline, captureLimit: Self.responseCaptureLimit, notBefore: waitNs > 0 ? notBefore : nil))
        timing.connectMs = result.connectMs
        timing.tlsMs = result.tlsMs
        timing.firstByteMs = result.firstByteMs
        switch result.outcome {
        case .success(let exchange):
            var text = String(decoding: exchange.body.readableBytesView, as: UTF8.self)
            if exchange.truncated { text += Self.truncationMarker }
            let status = Int(exchange.head.status.code)
            return finished(
                DeliveryOutcome(
                    kind: .response(status: status), responseBody: text.isEmpty ? nil : text, durationMs: 0,
                    error: (200..<300).contains(status) ? nil : Self.statusError(exchange.head.status),
                    retryAfterSeconds: exchange.head.headers.first(name: "Retry-After").flatMap { Int($0) }),
                writtenAt: exchange.writtenAt)
        case .failure(.timeout):
            return finished(DeliveryOutcome(kind: .timeout, durationMs: 0, error: "timed out after \(timeoutMs) ms"))
        case .failure(.shutDown):
            return finished(DeliveryOutcome(kind: .networkError, durationMs: 0, error: "not sent: the server is shutting down"))
        case .failure(let error):
            if NIODeadline.now() >= deadline {
                return finished(DeliveryOutcome(kind: .timeout, durationMs: 0, error: "timed out after \(timeoutMs) ms"))
            }
            return finished(DeliveryOutcome(kind: .networkError, durationMs: 0, error: Self.describe(error)))
        }
    }

    /// "HTTP 503 Service Unavailable"; just "HTTP 599" for a code without a known phrase.
    static func statusError(_ status: HTTPResponseStatus) -> String {
        let phrase = status.reasonPhrase.trimmingCharacters(in: .whitespaces)
        return phrase.isEmpty ? "HTTP \(status.code)" : "HTTP \(status.code) \(phrase)"
    }

    static func describe(_ error: HTTPExchangeError) -> String {
        switch error {
        case .timeout: return "timed out"
        case .closedBeforeAnswer: return "connection closed by the target"
        case .resetBeforeAnswer: return "connection reset by the target"
        case .closedMidAnswer: return "connection closed by the target before the answer was complete"
        case .shutDown: return "not sent: the server is shutting down"
        case .connect(let underlying):
            let text = String(describing: underlying)
            if text.contains("connectionRefused") || text.contains("Connection refused") || text.contains("ECONNREFUSED") {
                return "connection refused"
            }
            return "could not connect: \(text)"
        case .tls(let underlying):
            return "TLS handshake failed: \(underlying)"
        case .failed(let underlying):
            let text = String(describing: underlying)
            if text.contains("Connection reset") || text.contains("ECONNRESET") { return "connection reset by the target" }
            if case .limit? = underlying as? NIOHTTPDecompression.DecompressionError {
                return "could not decompress the answer: it inflates to more than \(Self.decompressionRatio) times its compressed size"
            }
            if underlying is NIOHTTPDecompression.DecompressionError { return "could not decompress the answer: \(text)" }
            if case .headerOverflow? = underlying as? HTTPParserError { return "the answer's headers are too large (over 80 KiB)" }
            if underlying is HTTPParserError { return "the answer is not valid HTTP/1.1: \(text)" }
            return "HTTP exchange failed: \(text)"
        }
    }
}
