import RunhooksCore
import Synchronization

/// The jobs of tenants whose shards run on this node, as last written or read here, so that
/// reading one (`GET /jobs/:id`) does not cost a store read.
///
/// Every change of a job goes through its tenant's actor on the node that runs the tenant's
/// shard, and the actor tells the cache. A shard's entries are dropped whenever the shard starts
/// or leaves this node (another node may have changed its jobs meanwhile), and callers use the
/// cache only for shards running here. Each shard has a generation that every change and every
/// start or stop moves on; a read that missed fills the cache only if its shard's generation
/// did not move while it read, so a slow read never puts back a job older than a change (or a
/// delete) that overtook it.
public final class JobCache: Sendable {
    struct Entry {
        let job: Job
        let shard: Int
        let generation: Int
    }

    struct State {
        var generations: [Int: Int] = [:]
        var entries: [String: Entry] = [:]

        func generation(_ shard: Int) -> Int { generations[shard] ?? 0 }

        mutating func advance(_ shard: Int) -> Int {
            let next = generation(shard) + 1
            generations[shard] = next
            return next
        }
    }

    private let state = Mutex(State())
    /// The most jobs kept; past it an arbitrary entry makes room.
    public let capacity: Int

    public init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// The job if it is cached, belongs to `userId` and nothing of its shard changed since.
    public func job(id: String, userId: String, shard: Int) -> Job? {
        state.withLock { state in
            guard let entry = state.entries[id], entry.job.userId == userId, entry.shard == shard,
                entry.generation == state.generation(shard)
            else { return nil }
            return entry.job
        }
    }

    /// Read before the store read whose result is then given to `fill`.
    public func generation(ofShard shard: Int) -> Int {
        state.withLock { $0.generation(shard) }
    }

    /// Keeps a job read from the store, unless its shard changed since `generation` was read.
    public func fill(_ job: Job, shard: Int, generation: Int) {
        state.withLock { state in
            guard state.generation(shard) == generation else { return }
            state.insert(Entry(job: job, shard: shard, generation: generation), id: job.id, capacity: capacity)
        }
    }

    /// A job of `shard` was created or changed (`job`) or deleted (nil, with its `id`), and
    /// the change is committed.
    func changed(id: String, to job: Job?, shard: Int) {
        state.withLock { state in
            let generation = state.advance(shard)
            state.entries[id] = nil
            if let job { state.insert(Entry(job: job, shard: shard, generation: generation), id: id, capacity: capacity) }
        }
    }

    /// Runs a store write of a job; if it throws (committed or not, nobody knows), the job is
    /// dropped as if it had changed.
    func whileChanging<Result>(
        id: String, shard: Int, isolation: isolated (any Actor)? = #isolation, _ write: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await write()
        } catch {
            changed(id: id, to: nil, shard: shard)
            throw error
        }
    }

    /// Drops what is cached of a shard (it starts or leaves this node).
    func forget(shard: Int) {
        state.withLock { state in
            _ = state.advance(shard)
            state.entries = state.entries.filter { $0.value.shard != shard }
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}

extension JobCache.State {
    fileprivate mutating func insert(_ entry: JobCache.Entry, id: String, capacity: Int) {
        if entries[id] == nil, entries.count >= capacity { entries.remove(at: entries.startIndex) }
        entries[id] = entry
    }
}
