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
    public let webhookSecrets: WebhookSecrets
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
        clock: any WallClock, ids: ObjectIDGenerator, webhookSecrets: WebhookSecrets, engine: DeliveryEngine?,
        metrics: PrometheusCollectorRegistry? = nil
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
        self.webhookSecrets = webhookSecrets
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

    /// The tenant's actor for a change (create, update, delete, trigger, replay). In a cluster a
    /// change is applied only where the tenant's shard runs or is free to run: while another
    /// node still holds the shard's lease (it is handing the shard over, or it is cut off from
    /// this node's gossip), that node's wheel would never hear of the change, so the call is
    /// refused with 503 and `Retry-After` until the lease is released or expires.
    func tenantForChange(_ user: User) async throws -> TenantActor {
        let tenant = try await tenant(for: user)
        try await requireShardHere(user)
        return tenant
    }

    func requireShardHere(_ user: User) async throws {
        guard cluster != nil, let engine else { return }
        let shard = ownership.shards.shard(forUser: user.id)
        guard !engine.isRunning(shard: shard) else { return }
        let now = clock.now()
        guard
            let lease = try await store.leases(at: now).first(where: { $0.shard == shard }),
            lease.owner != ownership.localNodeId, lease.expiresAt > now
        else { return }
        throw APIError(
            .serviceUnavailable,
            "This account's shard is moving between nodes (node \(lease.owner) still runs it); retry shortly",
            headers: [.retryAfter: "1"])
    }

    /// `Idempotency-Key` handling for the POST routes that create or change something.
    var idempotency: IdempotencyMiddleware {
        IdempotencyMiddleware(store: store, clock: clock) { [store] path, id, userId in
            if path.hasSuffix("/jobs") { return try await store.job(id: id, userId: userId) != nil }
            if path.hasSuffix("/alerts") { return try await store.alert(id: id, userId: userId) != nil }
            return nil
        }
    }
}
