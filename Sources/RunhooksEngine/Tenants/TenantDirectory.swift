import RunhooksCore
import RunhooksStore
import Synchronization

/// Finds (or makes) the actor of a tenant whose shard this node owns. A lock, not an actor:
/// every fire looks its tenant up, and a lookup should not queue behind other tenants'.
public final class TenantDirectory: Sendable {
    let context: EngineContext
    private let tenants = Mutex<[String: TenantActor]>([:])
    /// The jobs of these tenants, kept as their actors write them.
    public let jobs = JobCache()

    public init(context: EngineContext) {
        self.context = context
    }

    public func tenant(_ userId: String) -> TenantActor {
        tenants.withLock { tenants in
            if let existing = tenants[userId] { return existing }
            let tenant = TenantActor(
                userId: userId, shard: context.shards.shard(forUser: userId), context: context, jobs: jobs)
            tenants[userId] = tenant
            return tenant
        }
    }

    /// Forgets the tenants of a shard this node handed over with nothing left in flight, so
    /// that their counters are read again from the store if the shard comes back.
    public func forget(shard: Int) {
        jobs.forget(shard: shard)
        tenants.withLock { tenants in
            tenants = tenants.filter { context.shards.shard(forUser: $0.key) != shard }
        }
    }

    /// Makes the tenants of a shard read their counters, plan and alerts from the store again,
    /// keeping each actor (runs of theirs may still be in flight): a tenant has one actor per
    /// node at any moment, also when its shard leaves and comes back quickly.
    public func refresh(shard: Int) async {
        jobs.forget(shard: shard)
        let actors = tenants.withLock { tenants in
            tenants.filter { context.shards.shard(forUser: $0.key) == shard }.map(\.value)
        }
        for tenant in actors { await tenant.forgetCachedState() }
    }
}
