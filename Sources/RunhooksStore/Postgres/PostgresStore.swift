import Foundation
import Logging
import NIOSSL
import PostgresNIO
import RunhooksCore
import ServiceLifecycle

/// The shared store for a cluster that spans machines: PostgreSQL through postgres-nio's pooled
/// `PostgresClient`. Its connection pool runs in a task the store owns from `open` until
/// `close`; as a `Service` in the server's group it closes when the server shuts down.
public final class PostgresStore: Store, Service {
    public var backendName: String { "postgres" }
    let client: PostgresClient
    let logger: Logger
    public let url: PostgresURL
    /// How long an engine batch or a lease renewal may wait for its answer before its
    /// connection is closed (see `withAnswerDeadline`).
    let answerLimit: Duration
    private let runner: Task<Void, Never>

    /// Connects, then brings the schema up to date (an empty database is set up; one migrated
    /// by a newer Runhooks is refused).
    public static func open(
        url: PostgresURL, poolSize: Int = 10, answerLimit: Duration = .seconds(5),
        logger: Logger = Logger(label: "runhooks.postgres")
    ) async throws -> PostgresStore {
        try await checkReachable(url, logger: logger)
        let store = PostgresStore(url: url, poolSize: poolSize, answerLimit: answerLimit, logger: logger)
        do {
            try await PostgresSchema.migrate(store)
            await store.warnIfCommitsMayBeLost()
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// One direct connection first: the pool waits for a database that is down (as it should
    /// while running), but at start a wrong address or password must fail fast and say why.
    private static func checkReachable(_ url: PostgresURL, logger: Logger) async throws {
        let configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
            tls: try tls(url.sslMode).connectionTLS())
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch let error as PSQLError {
            let reason = error.serverInfo?[.message] ?? "\(error.code)"
            let underlying = error.underlying.map { ": \($0)" } ?? ""
            throw StoreError.unavailable("cannot connect to PostgreSQL at \(url.redacted): \(reason)\(underlying)")
        }
        try? await connection.close()
    }

    private init(url: PostgresURL, poolSize: Int, answerLimit: Duration, logger: Logger) {
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
            tls: Self.tls(url.sslMode).clientTLS)
        configuration.options.maximumConnections = max(1, poolSize)
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = .seconds(5)
        // A node cut off in the middle of a transaction leaves it open on the server with its
        // row locks (the fencing `FOR SHARE` on shard leases among them) until the server
        // notices; every other node's lease renewal would wait on them. Our transactions send
        // their statements back to back, so one idle this long has lost its client.
        configuration.options.additionalStartupParameters = [("idle_in_transaction_session_timeout", "2000")]
        // No keep-alive `SELECT 1` on idle connections: the pool sends it outside our answer
        // limit, so over a link that went down silently it would hold its connection (one of
        // `poolSize`) until TCP gives up, minutes later. Idle connections close after 60 s
        // anyway, and a dead one that is lent before that is cut off by the answer limit.
        configuration.options.keepAliveBehavior = nil
        // The pool logs every failed connection attempt at info; only what needs an operator's eye.
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: configuration, backgroundLogger: poolLogger)
        self.client = client
        self.logger = logger
        self.url = url
        self.answerLimit = answerLimit
        // Started at once, so the first query never finds the pool not yet running.
        runner = Task.immediate { await client.run() }
    }

    private struct TLSChoice {
        var mode: PostgresURL.SSLMode
        var configuration: TLSConfiguration

        var clientTLS: PostgresClient.Configuration.TLS {
            switch mode {
            case .disable: .disable
            case .prefer: .prefer(configuration)
            case .require: .require(configuration)
            }
        }

        func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
            switch mode {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: configuration))
            case .require: .require(try NIOSSLContext(configuration: configuration))
            }
        }
    }

    private static func tls(_ mode: PostgresURL.SSLMode) -> TLSChoice {
        var configuration = TLSConfiguration.makeClientConfiguration()
        // As libpq's sslmode=require and prefer: encrypted, the server's certificate not verified.
        configuration.certificateVerification = .none
        return TLSChoice(mode: mode, configuration: configuration)
    }

    /// Runs until graceful shutdown, then closes the pool.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Closes every connection; the store is unusable afterwards.
    public func close() async {
        runner.cancel()
        await runner.value
    }

    public func sharedSetting(_ key: String, proposing proposed: String) async throws -> String {
        // Two nodes starting at once both propose; the first insert wins and both read it back.
        // The statement's snapshot may miss a row another node committed while this insert
        // waited on it: then a second read sees it.
        let rows = try await query(
            """
            WITH inserted AS (
                INSERT INTO meta (key, value) VALUES (\(key), \(proposed)) ON CONFLICT (key) DO NOTHING RETURNING value
            )
            SELECT value FROM inserted UNION ALL SELECT value FROM meta WHERE key = \(key) LIMIT 1
            """, logger: logger)
        if let value = try rows.decode(String.self).first { return value }
        let again = try await query("SELECT value FROM meta WHERE key = \(key)", logger: logger)
        if let value = try again.decode(String.self).first { return value }
        throw StoreError.unavailable("meta.\(key) could not be read back")
    }

    /// Fails after 3 s: while the database is down the pool keeps waiting for a connection,
    /// and a health check must say so instead of hanging.
    public func ping() async throws -> Double {
        let start = ContinuousClock.now
        try await query("SELECT 1", logger: logger, within: .seconds(3))
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
    }
}

extension PostgresStore {
    /// `body` in one transaction on a pooled connection (committed when it returns, rolled back
    /// when it throws), with no answer deadline: for the schema's migrations.
    func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = logger
        return try await client.withConnection { connection in
            try await connection.transaction(logger: logger) { connection in try await body(connection) }
        }
    }
}
