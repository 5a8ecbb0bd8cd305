import Logging
import PostgresNIO
import Synchronization

extension PostgresStore {
    /// A transaction under `withAnswerWatch`: the limit counts from its start, or from the last
    /// answer `body` reported to the watch.
    func transactionWithAnswerDeadline<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, AnswerWatch) async throws -> Result
    ) async throws -> Result {
        let logger = logger
        return try await withAnswerWatch { connection, watch in
            try await connection.transaction(logger: logger) { connection in try await body(connection, watch) }
        }
    }

    /// Runs `body` on a pooled connection, giving up after `limit` (the store's `answerLimit`
    /// unless given): a connection still being waited for is no longer waited for, and one in
    /// use is closed. A query sent over a link that went down gets neither an answer nor an
    /// error (TCP retransmits for many minutes), and it would hold the engine's writes or the
    /// lease renewals that long, even after the link is back. Closing the connection fails the
    /// query at once. The server rolls its transaction back unless its COMMIT had arrived: the
    /// case of a connection reset after a commit, which lease fences and claim keys already cover.
    func withAnswerDeadline<Result: Sendable>(
        within limit: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withAnswerWatch(within: limit) { connection, _ in try await body(connection) }
    }

    /// `withAnswerDeadline` for a body that reads rows: it calls `heard()` on the watch for
    /// each, and the limit then counts from the last row, so a long answer that keeps coming is
    /// not cut, and one that stops half-way is. `readOnly`: `body` changes nothing, so when its
    /// connection is lost (the server ended it, a restart) it runs again on another one, within
    /// the same limit, instead of failing the caller.
    func withAnswerWatch<Result: Sendable>(
        within limit: Duration? = nil, readOnly: Bool = false,
        _ body: @escaping @Sendable (PostgresConnection, AnswerWatch) async throws -> Result
    ) async throws -> Result {
        let limit = limit ?? answerLimit
        let client = client
        let url = url
        let watch = AnswerWatch()
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await Self.reportingLostConnections(to: url) {
                    // The pool can lend a connection whose close it has not yet seen (say, the
                    // server just ended it); the work then goes to another connection.
                    try await Self.retryingOnAnotherConnection(orLost: readOnly, watch: watch) {
                        try await client.withConnection { connection in try await Self.lending(connection, to: watch, body) }
                    }
                }
            }
            group.addTask {
                while let left = watch.timeLeft(of: limit) { try await Task.sleep(for: left) }
                return nil
            }
            if let first = try await group.next(), let result = first {
                group.cancelAll()
                return result
            }
            if let connection = watch.takeOver() { try? await connection.close() }
            group.cancelAll()
            var answeredJustInTime: Result?
            while let next = try? await group.next() { answeredJustInTime = next ?? answeredJustInTime }
            if let answeredJustInTime { return answeredJustInTime }
            throw StoreError.unavailable("PostgreSQL at \(url.redacted) did not answer within \(limit)")
        }
    }
}

extension PostgresStore {
    /// `body`, with a lost connection (see `PSQLError.isLostConnection`) reported as the store
    /// being unavailable, which the API answers with 503, rather than as an unknown error.
    static func reportingLostConnections<Result>(
        to url: PostgresURL, _ body: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await body()
        } catch let error as PSQLError where error.isLostConnection {
            let reason = error.serverInfo?[.message] ?? "\(error.code)"
            throw StoreError.unavailable("lost the connection to PostgreSQL at \(url.redacted): \(reason)")
        } catch let error as ConnectionFoundClosed {
            throw StoreError.unavailable("lost the connection to PostgreSQL at \(url.redacted): \(error)")
        }
    }

    /// `body`, with a statement the server refused (a deadlock it broke, say) reported by its
    /// message and SQLSTATE: PSQLError's own description is a generic text, which is all the
    /// logs of the engine and the lease renewals would show. For work whose callers do not
    /// match on the error.
    @discardableResult
    static func describingRefusals<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as PSQLError {
            throw StoreError.refused(error.serverSummary)
        }
    }

    /// Runs `body` on `connection`, lent to `watch` meanwhile. The connection is taken back
    /// before the pool gets it; if the deadline took it first, it is closed before the pool can
    /// lend it to anyone else.
    private static func lending<Result: Sendable>(
        _ connection: PostgresConnection, to watch: AnswerWatch,
        _ body: @Sendable (PostgresConnection, AnswerWatch) async throws -> Result
    ) async throws -> Result {
        guard watch.lend(connection) else { throw CancellationError() }
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await body(connection, watch))
        } catch {
            outcome = .failure(error)
        }
        if !watch.takeBack() {
            try? await connection.close()
        } else if case .failure(let error) = outcome, connection.isClosed || Self.losesConnection(error) {
            // The pool hears of a close only when it has happened: until then it lends the
            // connection again, and the work run again would find the same dead connection.
            try? await connection.close()
            try? await connection.closeFuture.get()
        }
        return try outcome.get()
    }

    /// Whether `error` ended the connection it came on (the server ended the session, say).
    static func losesConnection(_ error: any Error) -> Bool {
        error is ConnectionFoundClosed || (error as? PSQLError)?.isLostConnection == true
    }

    /// `body`, run again (up to three times in all) when it stopped at a statement not sent
    /// because its connection had closed, or (`orLost`, for work that changes nothing) when its
    /// connection was lost under it. Never once the deadline has passed (`watch`): nobody would
    /// close the connection of a run that started after it.
    static func retryingOnAnotherConnection<Result>(
        orLost retryLost: Bool = false, watch: AnswerWatch? = nil, _ body: () async throws -> Result
    ) async throws -> Result {
        for _ in 1..<3 {
            do {
                return try await body()
            } catch let error where watch?.expired != true && !Task.isCancelled {
                guard error is ConnectionFoundClosed || (retryLost && losesConnection(error)) else { throw error }
            }
        }
        return try await body()
    }

    /// A query under `withAnswerDeadline` (`answerLimit` unless `limit` is given), its rows read
    /// in full before it returns: an API request or a health check gets its 503 instead of
    /// hanging while PostgreSQL is unreachable, whether the pool is still waiting for a
    /// connection, the query already went out over a link that went down, or the link went down
    /// half-way through the rows.
    @discardableResult
    func query(
        _ query: PostgresQuery, logger: Logger, within limit: Duration? = nil
    ) async throws -> FetchedRows {
        try await withAnswerWatch(within: limit, readOnly: query.isPlainSelect) { connection, watch in
            try await connection.fetch(query, logger: logger, watch: watch)
        }
    }
}

/// The connection a query under a deadline is using, who gets to hand it back (the query when
/// it ends, or the deadline, which closes it), and when the query last showed a sign of life.
final class AnswerWatch: Sendable {
    private struct State {
        var connection: PostgresConnection?
        var lastHeard = ContinuousClock.now
        /// The deadline has passed: no connection is lent to the watch any more.
        var expired = false
    }

    private let state = Mutex(State())

    /// False once the deadline has passed: the work must not start on `lent`.
    fileprivate func lend(_ lent: PostgresConnection) -> Bool {
        state.withLock { state in
            guard !state.expired else { return false }
            state.connection = lent
            return true
        }
    }

    var expired: Bool { state.withLock { $0.expired } }

    /// A row arrived: the answer is still coming.
    func heard() {
        let now = ContinuousClock.now
        state.withLock { $0.lastHeard = now }
    }

    /// How much of `limit` is left since the last sign of life; nil once it has run out.
    fileprivate func timeLeft(of limit: Duration) -> Duration? {
        let silent = ContinuousClock.now - state.withLock { $0.lastHeard }
        return silent < limit ? limit - silent : nil
    }

    /// True if the query still had the connection (the deadline did not take it).
    fileprivate func takeBack() -> Bool {
        state.withLock { $0.connection.take() } != nil
    }

    fileprivate func takeOver() -> PostgresConnection? {
        state.withLock { state in
            state.expired = true
            return state.connection.take()
        }
    }
}

extension PostgresQuery {
    /// Whether this is one SELECT, which changes nothing and can be sent again.
    var isPlainSelect: Bool {
        sql.drop(while: \.isWhitespace).prefix(while: \.isLetter).uppercased() == "SELECT" && !sql.contains(";")
    }
}
