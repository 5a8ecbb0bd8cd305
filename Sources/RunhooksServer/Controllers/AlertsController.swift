import Hummingbird
import RunhooksCore
import RunhooksStore

/// `/alerts`: where failures are reported.
struct AlertsController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<RunhooksRequestContext>) {
        let alerts = group.group("alerts").add(middleware: AuthMiddleware(auth: services.auth, gateway: services.gateway))
            .add(middleware: services.idempotency)
        alerts.post(use: create)
        alerts.get(use: list)
        alerts.get(":id", use: get)
        alerts.put(":id", use: update)
        alerts.delete(":id", use: delete)
        alerts.get(":id/deliveries", use: deliveries)
    }

    @Sendable func create(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let spec = try AlertSpec(
            validating: try await APIRequestBody.json(request, context: context), rules: services.alertRules)
        try await checkReferences(spec, user: user)
        let alert = try await services.tenantForChange(user).createAlert(spec, plan: user.plan)
        return JSONResponse.success(.created, data: AlertDTO(alert), message: "Alert config created")
    }

    @Sendable func list(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        return JSONResponse.success(data: try await services.store.listAlerts(userId: user.id).map(AlertDTO.init))
    }

    @Sendable func get(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        JSONResponse.success(data: AlertDTO(try await ownedAlert(context)))
    }

    @Sendable func update(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.objectID()
        let patch = try await APIRequestBody.json(request, context: context)
        let rules = services.alertRules
        let updated = try await services.tenantForChange(user).updateAlert(id: id) { alert in
            let spec = try AlertSpec(merging: patch, into: alert, rules: rules)
            if spec.target != alert.target || spec.channel != alert.channel || spec.jobId != alert.jobId {
                try await checkReferences(spec, user: user)
            }
            return spec
        }
        guard let updated else { throw APIError.notFound("Alert config") }
        return JSONResponse.success(data: AlertDTO(updated), message: "Alert config updated")
    }

    @Sendable func delete(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.objectID()
        guard try await services.tenantForChange(user).deleteAlert(id: id) else { throw APIError.notFound("Alert config") }
        return JSONResponse.message("Alert config deleted")
    }

    /// The history of an alert's notices, newest first.
    @Sendable func deliveries(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let alert = try await ownedAlert(context)
        let page = try QueryReader(request, accepting: QueryReader.paging).page()
        let result = try await services.store.listAlertDeliveries(alertId: alert.id, userId: user.id, page: page)
        return JSONResponse.success(data: PageDTO(result, transform: AlertDeliveryDTO.init))
    }

    /// The job must be the caller's own, and HTTP targets must pass the SSRF guard. A job that
    /// is not there is a 409 (a conflict with what the account holds), not a 404, which would
    /// say the alert itself is missing.
    private func checkReferences(_ spec: AlertSpec, user: User) async throws {
        if let jobId = spec.jobId, try await services.store.job(id: jobId, userId: user.id) == nil {
            throw APIError(.conflict, "jobId: no job with this id belongs to you")
        }
        if let target = spec.httpTarget {
            try await services.targets.check(target, field: "target")
        }
    }

    private func ownedAlert(_ context: RunhooksRequestContext) async throws -> AlertConfig {
        let user = try context.requireUser()
        let id = try context.parameters.objectID()
        guard let alert = try await services.store.alert(id: id, userId: user.id) else {
            throw APIError.notFound("Alert config")
        }
        return alert
    }
}
