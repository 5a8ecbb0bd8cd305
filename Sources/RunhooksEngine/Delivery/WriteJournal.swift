import Logging
import RunhooksStore

/// Group commit for the engine's writes: writes that arrive while a transaction is running
/// wait and go together in the next one, so the store sees one transaction per batch of fires
/// rather than one per write. The first write after a quiet moment waits `linger` for
/// company: fires spread over the second would otherwise each get a transaction of their own
/// (a claim is made 50 ms before its slot, so the wait costs no lateness).
///
/// Nothing is dropped when the store fails: a write someone waits on (a claim) gets the error
/// at once, since its moment has passed; writes nobody waits on (start, finish, counters) stay
/// at the head of the buffer, in order, and are tried again with backoff until the store is
/// back. The buffer is bounded: once `capacity` writes wait, new ones wait for room, which
/// slows the engine down instead of growing memory without limit.
public actor WriteJournal {
    private struct Entry {
        var write: EngineWrite
        var waiter: CheckedContinuation<Bool, any Error>?
    }

    private let store: any EngineWriteApplying
    private let logger: Logger
    let capacity: Int
    let retryDelays: RetryDelays
    let linger: Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private var buffer: [Entry] = []
    private var flusher: Task<Void, Never>?
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []
    private var roomWaiters: [CheckedContinuation<Void, Never>] = []
    /// Consecutive failed batches (for the backoff and the log).
    private(set) var failures = 0

    /// Backoff between tries of a failed batch: `initial`, doubling up to `maximum`.
    public struct RetryDelays: Sendable {
        public var initial: Duration
        public var maximum: Duration

        public init(initial: Duration = .milliseconds(50), maximum: Duration = .seconds(5)) {
            self.initial = initial
            self.maximum = maximum
        }

        func delay(afterFailures failures: Int) -> Duration {
            var delay = initial
            for _ in 1..<max(1, failures) where delay < maximum { delay *= 2 }
            return min(delay, maximum)
        }
    }

    public init(
        store: any EngineWriteApplying, logger: Logger, capacity: Int = 50_000, retryDelays: RetryDelays = RetryDelays(),
        linger: Duration = .zero,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.store = store
        self.linger = linger
        self.logger = logger
        self.capacity = capacity
        self.retryDelays = retryDelays
        self.sleep = sleep
    }

    /// Writes and waits until the write is committed; returns whether it took effect.
    @discardableResult
    public func commit(_ write: EngineWrite) async throws -> Bool {
        await waitForRoom()
        return try await withCheckedThrowingContinuation { continuation in
            buffer.append(Entry(write: write, waiter: continuation))
            startFlushingIfIdle()
        }
    }

    /// Writes without waiting for the commit (but for room in the buffer); the write is
    /// committed in order with the others.
    public func enqueue(_ write: EngineWrite) async {
        await waitForRoom()
        buffer.append(Entry(write: write, waiter: nil))
        startFlushingIfIdle()
    }

    /// Writes waiting to be committed.
    public var pendingCount: Int { buffer.count }

    /// Writers waiting for room in a full buffer.
    public var writersWaitingForRoom: Int { roomWaiters.count }

    /// Returns once everything submitted so far is committed.
    public func drain() async {
        guard flusher != nil || !buffer.isEmpty else { return }
        await withCheckedContinuation { drainWaiters.append($0) }
    }

    private func waitForRoom() async {
        while buffer.count >= capacity {
            await withCheckedContinuation { roomWaiters.append($0) }
        }
    }

    private func startFlushingIfIdle() {
        guard flusher == nil else { return }
        flusher = Task { await flushLoop() }
    }

    private func flushLoop() async {
        if linger > .zero { try? await EventLoopTimer.sleep(for: linger) }
        while !buffer.isEmpty {
            let batch = buffer
            buffer = []
            do {
                let results = try await store.apply(batch.map(\.write))
                if failures > 0 { logger.notice("engine writes committed again after \(failures) failed batch(es)") }
                failures = 0
                for (entry, result) in zip(batch, results) { entry.waiter?.resume(returning: result) }
            } catch {
                failures += 1
                let kept = batch.filter { $0.waiter == nil }
                for entry in batch { entry.waiter?.resume(throwing: error) }
                buffer = kept.map { Entry(write: $0.write, waiter: nil) } + buffer
                let delay = retryDelays.delay(afterFailures: failures)
                logger.error(
                    "engine write batch of \(batch.count) failed (\(failures) in a row), keeping \(kept.count) write(s) to retry in \(delay): \(error)")
                // Shutdown does not cancel this task: the writes it holds must still land.
                try? await sleep(delay)
            }
            wakeRoomWaiters()
        }
        flusher = nil
        let waiters = drainWaiters
        drainWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    private func wakeRoomWaiters() {
        guard buffer.count < capacity, !roomWaiters.isEmpty else { return }
        let room = capacity - buffer.count
        let woken = roomWaiters.prefix(room)
        roomWaiters.removeFirst(woken.count)
        for waiter in woken { waiter.resume() }
    }
}
