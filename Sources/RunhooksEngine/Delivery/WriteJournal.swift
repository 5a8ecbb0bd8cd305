import Logging
import RunhooksStore

/// Group commit for the engine's writes: writes that arrive while a transaction is running
/// wait and go together in the next one, so the store sees one transaction per batch of fires
/// rather than one per write, with no timer and no added latency when idle.
public actor WriteJournal {
    private let store: any Store
    private let logger: Logger
    private var buffer: [(write: EngineWrite, waiter: CheckedContinuation<Bool, any Error>?)] = []
    private var flushing = false
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []

    public init(store: any Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Writes and waits until the write is committed; returns whether it took effect.
    @discardableResult
    public func commit(_ write: EngineWrite) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            buffer.append((write, continuation))
            startFlushingIfIdle()
        }
    }

    /// Writes without waiting; the write is committed in order with the others.
    public func enqueue(_ write: EngineWrite) {
        buffer.append((write, nil))
        startFlushingIfIdle()
    }

    /// Returns once everything submitted so far is committed.
    public func drain() async {
        guard flushing || !buffer.isEmpty else { return }
        await withCheckedContinuation { drainWaiters.append($0) }
    }

    private func startFlushingIfIdle() {
        guard !flushing else { return }
        flushing = true
        Task { await flushLoop() }
    }

    private func flushLoop() async {
        while !buffer.isEmpty {
            let batch = buffer
            buffer = []
            do {
                let results = try await store.apply(batch.map(\.write))
                for (entry, result) in zip(batch, results) { entry.waiter?.resume(returning: result) }
            } catch {
                logger.error("engine write batch of \(batch.count) failed: \(error)")
                for entry in batch { entry.waiter?.resume(throwing: error) }
            }
        }
        flushing = false
        let waiters = drainWaiters
        drainWaiters = []
        for waiter in waiters { waiter.resume() }
    }
}
