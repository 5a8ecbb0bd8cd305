import RunhooksCore
import Synchronization

/// The jobs of tenants whose shards run on this node, as last written or read here, so that
/// reading one (`GET /jobs/:id`) does not cost a store read.
///
/// Every change of a job goes through its tenant's actor on the node that runs the tenant's
/// shard, and the actor tells the cache. A shard's entries are dropped whenever the shard starts
/// or leaves this node (another node may have changed its jobs meanwhile), and callers use the
/// cache only for shards running here. A read that missed fills the cache only if neither its
/// job nor its shard changed while it read (`generation` is taken before the read), so a slow
/// read never puts back a job older than a change (or a delete) that overtook it; a change of
/// one job leaves the other jobs of its shard cached.
public final class JobCache: Sendable {
    struct Entry {
        let job: Job
        let shard: Int
    }

    struct State {
        /// Moves on at every change of a job and every start or stop of a shard.
        var generation = 0
        var entries: [String: Entry] = [:]
        /// The generation of each job's latest change, for the fills of reads that began
        /// before it. Bounded: past `changesKept` it is cleared and `oldestKnown` moves up to
        /// now, so a read older than that is not kept (a miss, never a stale job).
        var jobChanges: [String: Int] = [:]
        var oldestKnown = 0
        /// The generation at which each shard last started or left this node.
        var shardMoves: [Int: Int] = [:]

        mutating func advance() -> Int {
            generation += 1
            return generation
        }

        func mayFill(id: String, shard: Int, readFrom generation: Int) -> Bool {
            generation >= oldestKnown && (jobChanges[id] ?? 0) <= generation && (shardMoves[shard] ?? 0) <= generation
        }
    }

    private let state = Mutex(State())
    /// The most jobs kept; past it an arbitrary entry makes room.
    public let capacity: Int
    /// The most job changes remembered for reads in flight (`State.jobChanges`).
    let changesKept: Int

    public init(capacity: Int = 100_000, changesKept: Int = 10_000) {
        self.capacity = capacity
        self.changesKept = changesKept
    }

    /// The job if it is cached, belongs to `userId` and is of `shard`.
    public func job(id: String, userId: String, shard: Int) -> Job? {
        state.withLock { state in
            guard let entry = state.entries[id], entry.job.userId == userId, entry.shard == shard else { return nil }
            return entry.job
        }
    }

    /// Read before the store read whose result is then given to `fill`.
    public var generation: Int {
        state.withLock { $0.generation }
    }

    /// Keeps a job read from the store, unless it or its shard changed since `generation` was read.
    public func fill(_ job: Job, shard: Int, generation: Int) {
        state.withLock { state in
            guard state.mayFill(id: job.id, shard: shard, readFrom: generation) else { return }
            state.insert(Entry(job: job, shard: shard), id: job.id, capacity: capacity)
        }
    }

    /// A job of `shard` was created or changed (`job`) or deleted (nil, with its `id`), and
    /// the change is committed.
    func changed(id: String, to job: Job?, shard: Int) {
        state.withLock { state in
            let generation = state.advance()
            if state.jobChanges[id] == nil, state.jobChanges.count >= changesKept {
                state.jobChanges = [:]
                state.oldestKnown = generation
            }
            state.jobChanges[id] = generation
            state.entries[id] = nil
            if let job { state.insert(Entry(job: job, shard: shard), id: id, capacity: capacity) }
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
            state.shardMoves[shard] = state.advance()
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
