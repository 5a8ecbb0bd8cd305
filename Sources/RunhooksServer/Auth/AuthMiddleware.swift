import Hummingbird

/// Requires `Authorization: Bearer <API key or access token>` and puts the user in the context.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = RunhooksRequestContext
    let auth: AuthService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let header = request.headers[.authorization] else {
            throw APIError(.unauthorized, "Missing Authorization header: send 'Authorization: Bearer <API key or token>'")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw APIError(.unauthorized, "Authorization header must be 'Bearer <API key or token>'")
        }
        let credential = String(parts[1]).trimmingCharacters(in: .whitespaces)
        guard let user = try await auth.authenticate(bearer: credential) else {
            throw APIError(.unauthorized, "Invalid or expired API key or token")
        }
        var context = context
        context.user = user
        return try await next(request, context)
    }
}
