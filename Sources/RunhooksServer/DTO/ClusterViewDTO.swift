import RunhooksCore

/// This node's view of the cluster, as `GET /health` reports it under `data.cluster`.
struct ClusterViewDTO: Encodable {
    struct Member: Encodable {
        var id: String
        var status: String
        var incarnation: UInt64
        var gossipAddress: String
        var gatewayUrl: String
        /// Shards the table places on this member.
        var shardsOwned: Int
    }

    var nodeId: String
    var members: [Member]
    /// Grows with every change of this node's table.
    var tableVersion: Int
    /// Owner of each shard, by shard number.
    var shardOwners: [String]
    /// Shards whose wheel runs on this node now (it holds their lease).
    var runningShards: [Int]
}

extension ClusterCoordinator {
    func view() async -> ClusterViewDTO {
        let owners = ownership.owners
        let counts = Dictionary(owners.map { ($0, 1) }, uniquingKeysWith: +)
        let members = await gossip.members.map { member in
            ClusterViewDTO.Member(
                id: member.id, status: "\(member.status)", incarnation: member.incarnation, gossipAddress: member.address,
                gatewayUrl: member.httpURL, shardsOwned: counts[member.id] ?? 0)
        }
        return ClusterViewDTO(
            nodeId: nodeId, members: members, tableVersion: ownership.version, shardOwners: owners,
            runningShards: engine.runningShards)
    }
}
