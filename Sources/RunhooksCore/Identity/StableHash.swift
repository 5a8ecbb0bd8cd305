/// 64-bit FNV-1a over the bytes of a string: the same value in every process and on every
/// machine, unlike Swift's `Hasher`, which is seeded per process.
public enum StableHash {
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// Which shard a tenant belongs to.
public struct ShardMap: Sendable, Equatable {
    public static let defaultShardCount = 64
    public let shardCount: Int

    public init(shardCount: Int) {
        precondition(shardCount > 0, "shard count must be positive")
        self.shardCount = shardCount
    }

    public func shard(forUser userId: String) -> Int {
        Int(StableHash.fnv1a64(userId) % UInt64(shardCount))
    }
}
