import Hummingbird
import RunhooksCore

/// `/webhook-secret`: the account's Standard Webhooks signing secret, and its rotation.
struct WebhookSecretController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<RunhooksRequestContext>) {
        let secret = group.group("webhook-secret").add(middleware: AuthMiddleware(auth: services.auth, gateway: services.gateway))
        secret.get(use: show)
        secret.group("rotate").add(middleware: services.idempotency).post(use: rotate)
    }

    @Sendable func show(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard let secrets = try await services.webhookSecrets.revealed(userId: user.id) else { throw APIError.notFound("User") }
        return JSONResponse.success(data: WebhookSecretDTO(secrets, at: services.clock.now()))
    }

    @Sendable func rotate(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard let secrets = try await services.webhookSecrets.rotate(userId: user.id) else { throw APIError.notFound("User") }
        return JSONResponse.success(
            data: WebhookSecretDTO(secrets, at: services.clock.now()),
            message: "Signing secret rotated. Deliveries are signed with the new secret and with each one it replaced until that one expires, 24 hours after its rotation.")
    }
}
