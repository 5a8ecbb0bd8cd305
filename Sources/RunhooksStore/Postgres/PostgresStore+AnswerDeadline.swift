import Logging
import PostgresNIO
import Synchronization

extension PostgresStore {
    /// A transaction under `withAnswerDeadline`.
    func transactionWithAnswerDeadline<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = logger
        return try await withAnswerDeadline { connection in
            try await Self.unwrappingTransactionError {
                try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
            }
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
        let limit = limit ?? answerLimit
        let client = client
        let inUse = ConnectionInUse()
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    inUse.lend(connection)
                    let outcome: Swift.Result<Result, any Error>
                    do {
                        outcome = .success(try await body(connection))
                    } catch {
                        outcome = .failure(error)
                    }
                    // Taken back before the pool gets it; if the deadline took it first, it is
                    // closed before the pool can lend it to anyone else.
                    if !inUse.takeBack() { try? await connection.close() }
                    return try outcome.get()
                }
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            if let first = try await group.next(), let result = first {
                group.cancelAll()
                return result
            }
            if let connection = inUse.takeOver() { try? await connection.close() }
            group.cancelAll()
            var answeredJustInTime: Result?
            while let next = try? await group.next() { answeredJustInTime = next ?? answeredJustInTime }
            if let answeredJustInTime { return answeredJustInTime }
            throw StoreError.unavailable("PostgreSQL at \(url.redacted) did not answer within \(limit)")
        }
    }
}

extension PostgresStore {
    /// A query under `withAnswerDeadline` (`answerLimit` unless `limit` is given): an API request
    /// or a health check gets its 503 instead of hanging while PostgreSQL is unreachable, whether
    /// the pool is still waiting for a connection or the query already went out over a link that
    /// went down. The rows may still be streaming when the connection goes back to the pool; the
    /// connection runs the next lessee's query after them.
    @discardableResult
    func query(
        _ query: PostgresQuery, logger: Logger, within limit: Duration? = nil
    ) async throws -> PostgresRowSequence {
        try await withAnswerDeadline(within: limit) { connection in try await connection.query(query, logger: logger) }
    }
}

/// The connection a query under a deadline is using, and who gets to hand it back: the query
/// when it ends, or the deadline, which closes it.
private final class ConnectionInUse: Sendable {
    private let connection = Mutex<PostgresConnection?>(nil)

    func lend(_ lent: PostgresConnection) {
        connection.withLock { $0 = lent }
    }

    /// True if the query still had the connection (the deadline did not take it).
    func takeBack() -> Bool {
        connection.withLock { $0.take() } != nil
    }

    func takeOver() -> PostgresConnection? {
        connection.withLock { $0.take() }
    }
}
