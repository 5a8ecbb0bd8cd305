import AsyncHTTPClient
import Crypto
import CoreMetrics
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import RunhooksCore
import RunhooksEngine
import ServiceLifecycle

/// Forwards a tenant's API call to the node that owns the tenant's shard: once, over a
/// keep-alive pool, marked with a hop header that the owner trusts only with the cluster's
/// token (so a client cannot skip limits by sending it). If the owner cannot be reached, or
/// answers that it no longer owns the shard, the gateway looks at the table again and tries
/// once more; then it answers 503 with `Retry-After`.
public final class ClusterGateway: Service, Sendable {
    static let forwardedByHeader = HTTPField.Name("Runhooks-Forwarded-By")!
    static let tokenHeader = HTTPField.Name("Runhooks-Cluster-Token")!
    static let notOwnerHeader = HTTPField.Name("Runhooks-Not-Owner")!
    static let responseLimit = 32 * 1_048_576
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length",
        "proxy-connection", forwardedByHeader.canonicalName, tokenHeader.canonicalName,
    ]

    let ownership: ShardOwnership
    let token: String
    /// Presented tokens are checked by digest (Crypto's digest equality is constant-time), as
    /// API keys are: no secret is compared byte by byte in our code.
    private let tokenDigest: SHA256Digest
    let client: HTTPClient
    let timeout: TimeAmount
    let forwarded: Counter
    let failed: Counter

    /// `clusterSecret` is shared by every node (the token signing secret); the hop token is
    /// derived from it.
    public init(
        ownership: ShardOwnership, clusterSecret: String, timeout: TimeAmount = .seconds(30),
        metrics: any MetricsFactory = NOOPMetricsHandler.instance
    ) {
        self.ownership = ownership
        self.timeout = timeout
        let key = SymmetricKey(data: Data(clusterSecret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("runhooks-forward-v1".utf8), using: key)
        token = Data(mac).hexString
        tokenDigest = SHA256.hash(data: Data(token.utf8))
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(2))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        forwarded = Counter(label: "runhooks_gateway_forwards_total", dimensions: [("outcome", "ok")], factory: metrics)
        failed = Counter(label: "runhooks_gateway_forwards_total", dimensions: [("outcome", "unreachable")], factory: metrics)
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// Runs until graceful shutdown, then closes the forwarding client. Listed before the
    /// engine and the coordinator, it stops after them: a hand-over still forwards.
    public func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    /// Whether the request came from another node of this cluster (valid hop header and token).
    func forwardingNode(of request: Request) -> String? {
        guard let node = request.headers[Self.forwardedByHeader], let presented = request.headers[Self.tokenHeader],
            SHA256.hash(data: Data(presented.utf8)) == tokenDigest
        else { return nil }
        return node
    }

    /// Serves `request` for the tenant `userId`: here when this node owns the shard (`local`
    /// is called), else at the owner. A forward is tried again (after a fresh look at the
    /// table) only when it cannot have been applied: the owner was not reached, or it answered
    /// that it no longer owns the shard; or the method is safe to repeat (GET, HEAD, OPTIONS).
    /// A POST or PATCH whose owner may have got it is never sent twice.
    func route(
        _ request: Request, userId: String, context: RunhooksRequestContext,
        local: (Request, RunhooksRequestContext) async throws -> Response
    ) async throws -> Response {
        var body: ByteBuffer?
        for attempt in 1...2 {
            let route = ownership.route(forUser: userId)
            guard case .remote(let shard, let node, let url) = route else { return try await local(request, context) }
            if body == nil { body = try await request.body.collect(upTo: APIRequestBody.maxBytes + 1) }
            if !url.isEmpty {
                do {
                    let response = try await send(request, body: body ?? ByteBuffer(), to: url)
                    let misdirected = response.headers.first(name: Self.notOwnerHeader.canonicalName) != nil
                    if !misdirected || attempt == 2 {
                        forwarded.increment()
                        return try await Self.makeResponse(response)
                    }
                } catch {
                    guard Self.neverReached(error) || Self.safeToRepeat.contains(request.method) else {
                        failed.increment()
                        context.logger.warning("forward of \(request.method) \(request.uri.path) to \(node) failed after sending: \(error)")
                        throw Self.mayHaveBeenApplied(error)
                    }
                }
            }
            failed.increment()
            context.logger.warning("forward of \(request.method) \(request.uri.path) to \(node) for shard \(shard) failed (try \(attempt))")
            if attempt == 1 { try await Task.sleep(for: .milliseconds(200)) }  // let the table catch up
        }
        throw APIError(
            .serviceUnavailable, "The node that owns this account cannot be reached right now; try again shortly",
            headers: [.retryAfter: "1"])
    }

    static let safeToRepeat: Set<HTTPRequest.Method> = [.get, .head, .options]

    /// Whether a forward failed before the owner could have seen the request.
    static func neverReached(_ error: any Error) -> Bool {
        switch error {
        case is NIOConnectionError:
            return true
        case let error as HTTPClientError:
            return error == .connectTimeout || error == .alreadyShutdown
        case let error as ChannelError:
            if case .connectTimeout = error { return true }
            return false
        case let error as IOError:
            return error.errnoCode == ECONNREFUSED || error.errnoCode == EHOSTUNREACH || error.errnoCode == ENETUNREACH
        default:
            return false
        }
    }

    static func mayHaveBeenApplied(_ error: any Error) -> APIError {
        let timedOut = (error as? HTTPClientError) == .deadlineExceeded || (error as? HTTPClientError) == .readTimeout
        return APIError(
            timedOut ? .gatewayTimeout : .badGateway,
            "The node that owns this account \(timedOut ? "did not answer in time" : "dropped the connection"); the request may have been applied. Check before repeating it, or repeat it with the same Idempotency-Key")
    }

    private func send(_ request: Request, body: ByteBuffer, to baseURL: String) async throws -> HTTPClientResponse {
        var outgoing = HTTPClientRequest(url: baseURL + request.uri.description)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers where !Self.hopByHop.contains(field.name.canonicalName) {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        outgoing.headers.add(name: Self.forwardedByHeader.rawName, value: ownership.localNodeId)
        outgoing.headers.add(name: Self.tokenHeader.rawName, value: token)
        if body.readableBytes > 0 || request.method == .post || request.method == .put || request.method == .patch {
            outgoing.body = .bytes(body)
        }
        return try await client.execute(outgoing, timeout: timeout)
    }

    private static func makeResponse(_ response: HTTPClientResponse) async throws -> Response {
        let body = try await response.body.collect(upTo: responseLimit)
        var fields = HTTPFields()
        // This node's server adds its own Date and Server headers.
        for header in response.headers where !hopByHop.contains(header.name.lowercased())
            && header.name.lowercased() != "date" && header.name.lowercased() != "server"
        {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase),
            headers: fields, body: ResponseBody(byteBuffer: body))
    }
}
