import Logging
import RunhooksStore
import Synchronization

/// Group commit for the engine's writes: writes that arrive while a transaction is running
/// wait and go together in the next one, so the store sees one transaction per batch of fires
/// rather than one per write. Batches start at most once per `linger`: the first write after
/// a quiet moment waits that long for company, and so do writes that come while a batch
/// commits. Fires spread over the second would otherwise each get a transaction of their own,
/// or, under steady load, one big batch would be followed by a few tiny ones made of what came
/// during its commit; each transaction rewrites the same tail pages of the executions table
/// and its indexes, so their number is the store's cost. A claim is made 50 ms before its
/// slot, so the wait costs no lateness.
///
/// Nothing is dropped when the store fails: a write someone waits on (a claim) gets the error
/// at once, since its moment has passed; writes nobody waits on (start, finish, counters) stay
/// at the head of the buffer, in order, and are tried again with backoff until the store is
/// back. The buffer is bounded: once `capacity` writes wait, new ones wait for room, which
/// slows the engine down instead of growing memory without limit.
///
/// A lock, not an actor: every fire hands it a claim and a result, and a visit to an actor
/// would cost each of them a hop between threads.
public final class WriteJournal: Sendable {
    private struct Entry {
        var write: EngineWrite
        /// The key of the waiter in `State.waiters`; nil for a write nobody waits on.
        var ticket: UInt64?
    }

    private struct State {
        var buffer: [Entry] = []
        /// Writers waiting for their commit. A writer cancelled meanwhile leaves this (and its
        /// write goes on); a batch answers only the writers still here.
        var waiters: [UInt64: CheckedContinuation<Bool, any Error>] = [:]
        var nextTicket: UInt64 = 0
        var flusher: Task<Void, Never>?
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
        var roomWaiters: [CheckedContinuation<Void, Never>] = []
        /// Consecutive failed batches (for the backoff, the log and the health check).
        var failures = 0
    }

    private let store: any EngineWriteApplying
    private let logger: Logger
    let capacity: Int
    let retryDelays: RetryDelays
    let linger: Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private let state = Mutex(State())

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
        sleep: (@Sendable (Duration) async throws -> Void)? = nil
    ) {
        self.store = store
        self.linger = linger
        self.logger = logger
        self.capacity = capacity
        self.retryDelays = retryDelays
        self.sleep = sleep ?? { try await EventLoopTimer.sleep(for: $0) }
    }

    /// Writes and waits until the write is committed; returns whether it took effect.
    ///
    /// A cancelled caller gets `CancellationError` at once, without waiting for a store that may
    /// not answer (its link is down): a write cancelled before it was buffered is dropped, one
    /// already buffered is still committed, and a claim among them is fenced by its lease.
    @discardableResult
    public func commit(_ write: EngineWrite) async throws -> Bool {
        await waitForRoom()
        let ticket = state.withLock { state in
            defer { state.nextTicket &+= 1 }
            return state.nextTicket
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // The cancellation flag is set before the handler runs, and both take the lock:
                // either this sees the flag, or the handler finds the waiter.
                let buffered = state.withLock { state -> Bool in
                    guard !Task.isCancelled else { return false }
                    state.waiters[ticket] = continuation
                    state.buffer.append(Entry(write: write, ticket: ticket))
                    startFlushingIfIdle(&state)
                    return true
                }
                if !buffered { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: ticket) }?.resume(throwing: CancellationError())
        }
    }

    /// Writes without waiting for the commit (but for room in the buffer); the write is
    /// committed in order with the others.
    public func enqueue(_ write: EngineWrite) async {
        while true {
            let added = state.withLock { state -> Bool in
                guard state.buffer.count < capacity else { return false }
                state.buffer.append(Entry(write: write, ticket: nil))
                startFlushingIfIdle(&state)
                return true
            }
            if added { return }
            await waitForRoom()
        }
    }

    /// Writes waiting to be committed.
    public var pendingCount: Int { state.withLock { $0.buffer.count } }

    /// Writers waiting for room in a full buffer.
    public var writersWaitingForRoom: Int { state.withLock { $0.roomWaiters.count } }

    /// How many batches in a row the store has failed; 0 once one commits again.
    public var failures: Int { state.withLock { $0.failures } }

    /// Returns once everything submitted so far is committed.
    public func drain() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state -> Bool in
                guard state.flusher != nil || !state.buffer.isEmpty else { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    private func waitForRoom() async {
        while state.withLock({ $0.buffer.count >= capacity }) {
            await withCheckedContinuation { continuation in
                let room = state.withLock { state -> Bool in
                    guard state.buffer.count >= capacity else { return true }
                    state.roomWaiters.append(continuation)
                    return false
                }
                if room { continuation.resume() }
            }
        }
    }

    private func startFlushingIfIdle(_ state: inout State) {
        guard state.flusher == nil else { return }
        state.flusher = Task { await self.flushLoop() }
    }

    private func flushLoop() async {
        if linger > .zero { try? await sleep(linger) }
        while true {
            let batchStarted = ContinuousClock.now
            // Taking the batch and, when there is none, ending this flusher are one decision
            // under the lock: a write that comes after it starts the next flusher.
            let next = state.withLock { state -> FlushStep in
                guard !state.buffer.isEmpty else {
                    state.flusher = nil
                    defer { state.drainWaiters = [] }
                    return .finished(drainWaiters: state.drainWaiters)
                }
                defer { state.buffer = [] }
                return .batch(state.buffer)
            }
            guard case .batch(let batch) = next else {
                if case .finished(let waiters) = next { for waiter in waiters { waiter.resume() } }
                return
            }
            // The batch left the buffer: writers waiting for room may come in while it commits.
            wakeRoomWaiters()
            do {
                let results = try await store.apply(batch.map(\.write))
                let recovered = state.withLock { state -> Int in
                    defer { state.failures = 0 }
                    return state.failures
                }
                if recovered > 0 { logger.notice("engine writes committed again after \(recovered) failed batch(es)") }
                for (waiter, result) in zip(takeWaiters(of: batch), results) { waiter?.resume(returning: result) }
                let rest = linger - (ContinuousClock.now - batchStarted)
                if rest > .zero, state.withLock({ !$0.buffer.isEmpty }) { try? await sleep(rest) }
            } catch {
                let kept = batch.filter { $0.ticket == nil }
                for waiter in takeWaiters(of: batch) { waiter?.resume(throwing: error) }
                let failures = state.withLock { state -> Int in
                    state.failures += 1
                    state.buffer = kept + state.buffer
                    return state.failures
                }
                let delay = retryDelays.delay(afterFailures: failures)
                logger.error(
                    "engine write batch of \(batch.count) failed (\(failures) in a row), keeping \(kept.count) write(s) to retry in \(delay): \(error)")
                // Shutdown does not cancel this task: the writes it holds must still land.
                try? await sleep(delay)
            }
            wakeRoomWaiters()
        }
    }

    /// The waiters of a batch's writes, in its order: nil where nobody waits (any more).
    private func takeWaiters(of batch: [Entry]) -> [CheckedContinuation<Bool, any Error>?] {
        state.withLock { state in
            batch.map { entry in entry.ticket.flatMap { state.waiters.removeValue(forKey: $0) } }
        }
    }

    private enum FlushStep {
        case batch([Entry])
        case finished(drainWaiters: [CheckedContinuation<Void, Never>])
    }

    private func wakeRoomWaiters() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.buffer.count < capacity, !state.roomWaiters.isEmpty else { return [] }
            let room = capacity - state.buffer.count
            let woken = Array(state.roomWaiters.prefix(room))
            state.roomWaiters.removeFirst(woken.count)
            return woken
        }
        for waiter in woken { waiter.resume() }
    }
}
