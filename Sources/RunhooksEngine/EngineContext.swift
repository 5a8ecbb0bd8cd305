import RunhooksCore
import RunhooksStore

/// What the runtime's actors share: the store, the id source and the clock.
public struct EngineContext: Sendable {
    public let store: any Store
    public let ids: ObjectIDGenerator
    public let clock: any WallClock
    public let shards: ShardMap

    public init(store: any Store, ids: ObjectIDGenerator, clock: any WallClock, shards: ShardMap) {
        self.store = store
        self.ids = ids
        self.clock = clock
        self.shards = shards
    }
}
