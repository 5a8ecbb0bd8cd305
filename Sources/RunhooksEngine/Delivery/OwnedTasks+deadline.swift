import Synchronization

extension OwnedTasks {
    /// Runs `work` in a task of this owner's and waits for its result at most `timeout`. When
    /// the wait gives up (`DeadlineExceeded`), the work goes on in the background, still owned:
    /// a query stuck on a dead network link cannot hold up the loop that asked for it, and it
    /// cannot outlive the owner's shutdown either. The result is handed over only once its task
    /// no longer counts as running, so a caller that asks again at once never sees it as stuck.
    func result<T: Sendable>(within timeout: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let box = ResultBox<T>()
        guard run({ box.stage(await Result { try await work() }) }, afterEnd: { box.deliverStaged() }) else {
            throw CancellationError()
        }
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await box.value() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw DeadlineExceeded()
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw DeadlineExceeded() }
            return first
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}

/// One result, delivered once, awaited by one waiter that may give up (cancellation).
private final class ResultBox<T: Sendable>: Sendable {
    private struct State {
        var staged: Result<T, any Error>?
        var result: Result<T, any Error>?
        var waiter: CheckedContinuation<T, any Error>?
        var cancelled = false
    }

    private let state = Mutex(State())

    /// Keeps the result without handing it over yet.
    func stage(_ result: Result<T, any Error>) {
        state.withLock { $0.staged = result }
    }

    /// Hands the staged result to the waiter (now or when it comes).
    func deliverStaged() {
        let delivery = state.withLock { state -> (Result<T, any Error>, CheckedContinuation<T, any Error>?)? in
            guard state.result == nil, let staged = state.staged else { return nil }
            state.result = staged
            defer { state.waiter = nil }
            return (staged, state.waiter)
        }
        if let (result, waiter) = delivery { waiter?.resume(with: result) }
    }

    func value() async throws -> T {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready = state.withLock { state -> Result<T, any Error>? in
                    if let result = state.result { return result }
                    if state.cancelled { return .failure(CancellationError()) }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<T, any Error>? in
                state.cancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
    }
}
