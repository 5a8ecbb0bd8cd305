import RunhooksCore

/// Which node runs each shard. A single node owns every shard; the cluster replaces this
/// with the rendezvous table built from gossip.
public struct ShardOwnership: Sendable, Equatable {
    public let localNodeId: String
    public let shards: ShardMap

    public init(localNodeId: String, shards: ShardMap) {
        self.localNodeId = localNodeId
        self.shards = shards
    }

    public enum Route: Sendable, Equatable {
        case local(shard: Int)
        case remote(shard: Int, node: String)
    }

    /// The shards this node runs.
    public var localShards: [Int] { Array(0..<shards.shardCount) }

    public func route(forUser userId: String) -> Route {
        .local(shard: shards.shard(forUser: userId))
    }
}
