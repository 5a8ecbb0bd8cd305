import Hummingbird

/// Turns every error, including unknown routes, into the API's error envelope.
struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError(mapping: error, logger: context.logger)
            return try apiError.response(from: request, context: context)
        }
    }
}
