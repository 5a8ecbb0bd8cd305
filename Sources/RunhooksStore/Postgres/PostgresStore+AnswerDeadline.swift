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

    /// Runs `body` on a pooled connection, giving up after `answerLimit`: a connection still
    /// being waited for is no longer waited for, and one in use is closed. A query sent over a
    /// link that went down gets neither an answer nor an error (TCP retransmits for many
    /// minutes), and it would hold the engine's writes or the lease renewals that long, even
    /// after the link is back. Closing the connection fails the query at once. The server rolls
    /// its transaction back unless its COMMIT had arrived: the case of a connection reset after
    /// a commit, which lease fences and claim keys already cover.
    func withAnswerDeadline<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let limit = answerLimit
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
    /// `client.query`, given up after `limit` (`answerLimit` unless given) if the pool has not
    /// lent it a connection or the server has not begun to answer by then. The pool waits for a
    /// connection as long as PostgreSQL stays unreachable; an API request (or a health check)
    /// should get its 503 instead of hanging with it. Waiting for the pool ends at once when given up (the lease is cancellable); a
    /// query already sent over a link that went down is waited for, as before.
    @discardableResult
    func query(
        _ query: PostgresQuery, logger: Logger, within limit: Duration? = nil
    ) async throws -> PostgresRowSequence {
        let client = client
        let limit = limit ?? answerLimit
        return try await withThrowingTaskGroup(of: PostgresRowSequence?.self) { group in
            group.addTask { try await client.query(query, logger: logger) }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            guard let rows = first else {
                throw StoreError.unavailable("PostgreSQL at \(url.redacted) did not answer within \(limit)")
            }
            return rows
        }
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
