import Logging
import PostgresNIO

extension PostgresConnection {
    /// `query`, but never written to a connection that has closed. postgres-nio (1.33) hands a
    /// query to its channel without a promise: on a channel already closed the write is dropped,
    /// and the query neither answers nor fails, so its caller and the pool's lease would wait for
    /// ever. A close comes from the server, a reset link, or the answer deadline. The check and
    /// the write happen in one turn of the connection's event loop, where closes happen too:
    /// a close either comes first, and the check sees it, or comes after the write, and then
    /// postgres-nio fails the query.
    @discardableResult
    func statement(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await withTaskExecutorPreference(EventLoopTaskExecutor(loop: eventLoop)) {
            guard !isClosed else { throw ConnectionFoundClosed() }
            return try await self.query(query, logger: logger)
        }
    }

    /// `body` in one transaction, every statement of it through `statement` (postgres-nio's
    /// `withTransaction` writes its ROLLBACK to a connection that closed mid-transaction, and
    /// waits for ever). Committed when `body` returns; rolled back when it throws, unless the
    /// connection has closed, which ends the transaction on the server anyway. `body`'s own error
    /// is rethrown as is.
    func transaction<Result: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await statement("BEGIN", logger: logger)
        let value: Result
        do {
            value = try await body(self)
        } catch {
            if !isClosed { _ = try? await statement("ROLLBACK", logger: logger) }
            throw error
        }
        try await statement("COMMIT", logger: logger)
        return value
    }
}

/// A statement was not sent: its connection had closed. Nothing of it reached the server (nor a
/// COMMIT after it), so the caller may run its work again on another connection.
struct ConnectionFoundClosed: Error, CustomStringConvertible {
    var description: String { "the connection to PostgreSQL has closed" }
}
