import RunhooksCore
import Synchronization

/// Which node runs each shard, as this node sees it. A lone node owns every shard; in a
/// cluster the coordinator replaces the table with the rendezvous placement over the members
/// gossip reports alive, whenever that view changes.
public final class ShardOwnership: Sendable {
    public let localNodeId: String
    public let shards: ShardMap

    struct Table: Sendable {
        var owners: [String]
        var gatewayURLs: [String: String]
        var version: Int
    }

    private let table: Mutex<Table>

    public init(localNodeId: String, shards: ShardMap) {
        self.localNodeId = localNodeId
        self.shards = shards
        table = Mutex(Table(owners: Array(repeating: localNodeId, count: shards.shardCount), gatewayURLs: [:], version: 0))
    }

    public enum Route: Sendable, Equatable {
        case local(shard: Int)
        /// Owned by another node, reachable at `url` (its HTTP gateway); `url` is empty when unknown.
        case remote(shard: Int, node: String, url: String)
    }

    /// Replaces the table (owner of each shard) and where each node's gateway answers.
    public func update(owners: [String], gatewayURLs: [String: String]) {
        precondition(owners.count == shards.shardCount, "one owner per shard")
        table.withLock { table in
            guard table.owners != owners || table.gatewayURLs != gatewayURLs else { return }
            table = Table(owners: owners, gatewayURLs: gatewayURLs, version: table.version + 1)
        }
    }

    /// The owner of every shard, by shard number.
    public var owners: [String] { table.withLock { $0.owners } }

    /// Grows by one with every change of the table.
    public var version: Int { table.withLock { $0.version } }

    /// The shards this node should run.
    public var localShards: [Int] {
        let owners = self.owners
        return owners.indices.filter { owners[$0] == localNodeId }
    }

    public func route(forUser userId: String) -> Route {
        let shard = shards.shard(forUser: userId)
        return table.withLock { table in
            let owner = table.owners[shard]
            guard owner != localNodeId else { return .local(shard: shard) }
            return .remote(shard: shard, node: owner, url: table.gatewayURLs[owner] ?? "")
        }
    }
}
