import RunhooksCore
import RunhooksStore

/// Finds (or makes) the actor of a tenant whose shard this node owns.
public actor TenantDirectory {
    let context: EngineContext
    private var tenants: [String: TenantActor] = [:]

    public init(context: EngineContext) {
        self.context = context
    }

    public func tenant(_ userId: String) -> TenantActor {
        if let existing = tenants[userId] { return existing }
        let tenant = TenantActor(userId: userId, shard: context.shards.shard(forUser: userId), context: context)
        tenants[userId] = tenant
        return tenant
    }
}
