import Hummingbird

/// Marks a request that another node of the cluster forwarded (valid hop header and token),
/// so this node serves it without forwarding it again or counting it against the forwarding
/// node's address. A hop header without the token is ignored.
struct ClusterHopMiddleware: RouterMiddleware {
    typealias Context = RunhooksRequestContext
    let gateway: ClusterGateway

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let node = gateway.forwardingNode(of: request) else { return try await next(request, context) }
        var context = context
        context.forwardedBy = node
        return try await next(request, context)
    }
}
