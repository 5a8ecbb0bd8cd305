import Foundation
import Hummingbird
import RunhooksCore

/// `/health`: public liveness and the store's status.
struct HealthController {
    static let version = RunhooksVersion.current
    /// Failed engine write batches in a row that make the store unhealthy: one failed batch is
    /// tried again 50 ms later, and a store that fails it again for a while is not a blip.
    static let failedBatchesForDegraded = 3
    let services: AppServices

    func addRoutes(to group: RouterGroup<RunhooksRequestContext>) {
        group.get("health", use: health)
    }

    struct ServiceStatus: Encodable {
        var status: String
        var latencyMs: Int?
        var error: String?
    }

    struct Health: Encodable {
        var status: String
        var version: String
        var uptime: Int
        var timestamp: String
        var services: [String: ServiceStatus]
        /// Present when the node is part of a cluster.
        var cluster: ClusterViewDTO?
    }

    struct DegradedEnvelope: Encodable {
        var success = false
        var error: String
        var data: Health
    }

    @Sendable func health(_ request: Request, context: RunhooksRequestContext) async throws -> Response {
        let now = services.clock.now()
        var store: ServiceStatus
        do {
            let latency = try await services.store.ping()
            store = ServiceStatus(status: "ok", latencyMs: Int(latency.rounded()))
        } catch {
            context.logger.error("health check: store failed: \(error)")
            store = ServiceStatus(status: "error", error: "store did not answer")
        }
        // A store that still answers reads may refuse every write (say, its disk is full): the
        // engine then records nothing, and the node is not healthy.
        if let engine = services.engine, engine.journal.failures >= Self.failedBatchesForDegraded {
            store.status = "error"
            store.error = "writes are failing"
        }
        let healthy = store.status == "ok"
        let health = Health(
            status: healthy ? "ok" : "degraded", version: Self.version,
            uptime: max(0, Int(now.timeIntervalSince(services.startedAt))), timestamp: now.iso8601Milliseconds,
            services: ["store": store], cluster: await services.cluster?.view())
        if healthy { return JSONResponse.success(data: health) }
        return JSONResponse.make(
            status: .serviceUnavailable, body: DegradedEnvelope(error: "The data store is unavailable", data: health))
    }
}
