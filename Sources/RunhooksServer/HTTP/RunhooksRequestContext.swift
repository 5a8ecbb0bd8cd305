import Hummingbird
import NIOCore
import RunhooksCore

/// Per-request state: the caller's address (for per-IP limits) and, once authenticated, the user.
public struct RunhooksRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public var user: User?
    /// The node that forwarded this request (set only for a valid cluster hop).
    public var forwardedBy: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        user = nil
        forwardedBy = nil
    }

    /// Request bodies larger than this are refused with 413 before they are read whole.
    public var maxUploadSize: Int { APIRequestBody.maxBytes }

    /// The key for per-IP limits.
    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }

    /// The authenticated user; routes behind `AuthMiddleware` can rely on it.
    func requireUser() throws -> User {
        guard let user else { throw APIError(.unauthorized, "Authentication required") }
        return user
    }
}
