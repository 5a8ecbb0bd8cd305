import HTTPTypes
import Hummingbird
import RunhooksCore

/// Applies one rate-limit policy and sets draft-7 headers (`RateLimit-Policy`, `RateLimit`,
/// and `Retry-After` on 429). When several policies apply, the innermost (most specific)
/// one's headers are the ones the client sees.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = RunhooksRequestContext

    enum Key: Sendable {
        case clientAddress
        case user
    }

    let limiter: RateLimiter
    let policy: FixedWindowLimiter.Policy
    let key: Key
    let applies: @Sendable (Request) -> Bool

    init(
        _ limiter: RateLimiter, policy: FixedWindowLimiter.Policy, key: Key,
        applies: @escaping @Sendable (Request) -> Bool = { _ in true }
    ) {
        self.limiter = limiter
        self.policy = policy
        self.key = key
        self.applies = applies
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard applies(request) else { return try await next(request, context) }
        // Per-address limits were applied by the node the client talked to.
        if key == .clientAddress, context.forwardedBy != nil { return try await next(request, context) }
        let client = ClientAddress.resolve(
            peer: context.clientAddress, headerValues: request.headers[values: .forwarding(limiter.forwardingHeader)],
            trustedProxies: limiter.trustedProxies, header: limiter.forwardingHeader)
        let keyValue: String
        switch key {
        case .clientAddress: keyValue = IPAddress.rateLimitKey(forClient: client)
        case .user: keyValue = context.user?.id ?? IPAddress.rateLimitKey(forClient: client)
        }
        let decision = await limiter.hit(policy, key: keyValue)
        var headers: HTTPFields = [.rateLimitPolicy: decision.policyHeader, .rateLimit: decision.rateLimitHeader]
        guard decision.allowed else {
            headers[.retryAfter] = String(decision.resetSeconds)
            throw APIError(.tooManyRequests, "Too many requests, please try again later.", headers: headers)
        }
        do {
            var response = try await next(request, context)
            if response.headers[.rateLimit] == nil { response.headers.append(contentsOf: headers) }
            return response
        } catch {
            var apiError = APIError(mapping: error, logger: context.logger)
            if apiError.headers[.rateLimit] == nil { apiError.headers.append(contentsOf: headers) }
            throw apiError
        }
    }
}

extension HTTPField.Name {
    static let rateLimitPolicy = Self("RateLimit-Policy")!
    static let rateLimit = Self("RateLimit")!
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let forwarded = Self("Forwarded")!

    static func forwarding(_ header: ForwardingHeader) -> Self {
        switch header {
        case .xForwardedFor: .xForwardedFor
        case .forwarded: .forwarded
        }
    }
}
