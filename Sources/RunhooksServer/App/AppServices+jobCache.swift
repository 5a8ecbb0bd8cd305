import RunhooksCore

extension AppServices {
    /// A job of the user's: from this node's job cache when the user's shard runs here (every
    /// change of it then goes through this node), else from the store.
    func job(id: String, of user: User) async throws -> Job? {
        let shard = ownership.shards.shard(forUser: user.id)
        guard let engine, engine.isRunning(shard: shard) else { return try await store.job(id: id, userId: user.id) }
        let cache = tenants.jobs
        if let job = cache.job(id: id, userId: user.id, shard: shard) { return job }
        let generation = cache.generation
        guard let job = try await store.job(id: id, userId: user.id) else { return nil }
        cache.fill(job, shard: shard, generation: generation)
        return job
    }
}
