import Hummingbird
import RunhooksCore

/// `/schedules/preview`: the next runs of a schedule, before a job has it (the dashboard's
/// form shows them as the user types).
struct SchedulesController {
    let services: AppServices

    struct PreviewData: Encodable {
        struct Run: Encodable {
            var at: String
            var local: String
        }

        var timezone: String
        var nextRuns: [Run]
    }

    func addRoutes(to group: RouterGroup<RunhooksRequestContext>) {
        group.group("schedules").add(middleware: AuthMiddleware(auth: services.auth, gateway: services.gateway))
            .post("preview", use: preview)
    }

    @Sendable func preview(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let body = try await APIRequestBody.json(request, context: context)
        let preview = try SchedulePreview(validating: body, rules: services.jobRules, now: services.clock.now())
        return JSONResponse.success(
            data: PreviewData(
                timezone: preview.timezone,
                nextRuns: preview.runs.map { PreviewData.Run(at: $0.at.iso8601Milliseconds, local: $0.local) }))
    }
}
