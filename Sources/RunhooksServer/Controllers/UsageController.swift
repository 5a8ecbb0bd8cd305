import Hummingbird

/// `/usage/me`: plan, limits and consumption.
struct UsageController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<RunhooksRequestContext>) {
        group.group("usage").add(middleware: AuthMiddleware(auth: services.auth, gateway: services.gateway)).get("me", use: me)
    }

    @Sendable func me(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let usage = try await services.tenant(for: user).usage(plan: user.plan)
        return JSONResponse.success(data: UsageDTO(usage))
    }
}
