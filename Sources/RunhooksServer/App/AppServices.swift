import HTTPTypes
import Foundation
import Logging
import Prometheus
import RunhooksCore
import RunhooksEngine
import RunhooksStore

/// Everything the routes use, built once at start-up.
public struct AppServices: Sendable {
    public let store: any Store
    public let auth: AuthService
    public let tenants: TenantDirectory
    public let ownership: ShardOwnership
    public let targets: TargetGuard
    public let jobRules: JobRules
    public let alertRules: AlertRules
    public let limiter: RateLimiter
    public let rateLimitsEnabled: Bool
    public let clock: any WallClock
    public let ids: ObjectIDGenerator
    public let startedAt: Date
    /// The delivery engine; nil when the routes run without one (router tests).
    public let engine: DeliveryEngine?
    /// Where `/metrics` reads from; nil serves no `/metrics`.
    public let metrics: PrometheusCollectorRegistry?
    /// In a cluster: forwards calls to the owner of the tenant's shard.
    public var gateway: ClusterGateway?
    /// In a cluster: membership, the shard table and the leases.
    public var cluster: ClusterCoordinator?

    public init(
        store: any Store, auth: AuthService, tenants: TenantDirectory, ownership: ShardOwnership, targets: TargetGuard,
        jobRules: JobRules, alertRules: AlertRules, limiter: RateLimiter, rateLimitsEnabled: Bool,
        clock: any WallClock, ids: ObjectIDGenerator, engine: DeliveryEngine?, metrics: PrometheusCollectorRegistry? = nil
    ) {
        self.store = store
        self.auth = auth
        self.tenants = tenants
        self.ownership = ownership
        self.targets = targets
        self.jobRules = jobRules
        self.alertRules = alertRules
        self.limiter = limiter
        self.rateLimitsEnabled = rateLimitsEnabled
        self.clock = clock
        self.ids = ids
        self.startedAt = clock.now()
        self.engine = engine
        self.metrics = metrics
    }

    /// The actor of the authenticated user's tenant, reached through the gateway's routing.
    func tenant(for user: User) async throws -> TenantActor {
        switch ownership.route(forUser: user.id) {
        case .local:
            return tenants.tenant(user.id)
        case .remote(let shard, let node, _):
            throw APIError(
                .serviceUnavailable, "Shard \(shard) is owned by node \(node), which this node cannot reach",
                headers: [.retryAfter: "1"])
        }
    }

    /// `Idempotency-Key` handling for the POST routes that create or change something.
    var idempotency: IdempotencyMiddleware { IdempotencyMiddleware(store: store, clock: clock) }
}
