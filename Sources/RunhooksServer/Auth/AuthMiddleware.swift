import Hummingbird

/// Requires `Authorization: Bearer <API key or access token>` and puts the user in the context.
/// In a cluster it then sends the call to the node that owns the user's shard, unless this
/// node owns it or the call was already forwarded once.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = RunhooksRequestContext
    let auth: AuthService
    let gateway: ClusterGateway?

    init(auth: AuthService, gateway: ClusterGateway? = nil) {
        self.auth = auth
        self.gateway = gateway
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let header = request.headers[.authorization] else {
            throw APIError(.unauthorized, "Missing Authorization header: send 'Authorization: Bearer <API key or token>'")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        let credential = parts.count == 2 ? parts[1].withoutOptionalWhitespace : ""
        guard !credential.isEmpty, parts[0].lowercased() == "bearer" else {
            throw APIError(.unauthorized, "Authorization header must be 'Bearer <API key or token>'")
        }
        guard let user = try await auth.authenticate(bearer: String(credential)) else {
            throw APIError(.unauthorized, "Invalid or expired API key or token")
        }
        var context = context
        context.user = user
        guard let gateway else { return try await next(request, context) }
        guard context.forwardedBy == nil else {
            guard case .local = gateway.ownership.route(forUser: user.id) else {
                // Ownership moved after the other node looked: tell it to look again.
                throw APIError(
                    .serviceUnavailable, "This node no longer owns the account's shard; try again",
                    headers: [.retryAfter: "1", ClusterGateway.notOwnerHeader: gateway.ownership.localNodeId])
            }
            return try await next(request, context)
        }
        return try await gateway.route(request, userId: user.id, context: context, local: next)
    }
}
