/// Which node owns each shard: rendezvous (highest random weight) hashing over the alive
/// members. Every node computes the same table from the same member list, and a join or a
/// leave moves only the shards that the changed node wins or held: about shards/N of them.
public enum ShardPlacement {
    /// The weight of a (node, shard) pair, from a stable hash of both.
    static func weight(node: String, shard: Int) -> UInt64 {
        var hash = StableHash.fnv1a64("\(node)#\(shard)")
        // A final mix spreads FNV's low-entropy high bits.
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return hash
    }

    /// The owner of every shard (`shardCount` entries), or an empty table with no members.
    public static func table(members: [String], shardCount: Int) -> [String] {
        guard !members.isEmpty else { return [] }
        let sorted = members.sorted()
        return (0..<shardCount).map { shard in
            var best = sorted[0]
            var bestWeight = weight(node: best, shard: shard)
            for node in sorted.dropFirst() {
                let candidate = weight(node: node, shard: shard)
                if candidate > bestWeight {
                    best = node
                    bestWeight = candidate
                }
            }
            return best
        }
    }
}
