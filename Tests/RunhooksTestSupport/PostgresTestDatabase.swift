import Foundation
import Logging
import PostgresNIO
import Synchronization

/// A fresh database on the test PostgreSQL server named by `RUNHOOKS_TEST_POSTGRES_URL` (a URL
/// to a database the user may create databases from; `scripts/test` starts such a server).
/// Each test gets its own database, so tests running in parallel never see each other's rows.
public enum PostgresTestDatabase {
    public static let environmentKey = "RUNHOOKS_TEST_POSTGRES_URL"

    /// The server's URL, or nil when no test server is configured.
    public static var serverURL: String? {
        let value = ProcessInfo.processInfo.environment[environmentKey]
        return value?.isEmpty == false ? value : nil
    }

    /// Why PostgreSQL tests are skipped, printed once per suite that skips them.
    public static let skipReason =
        "PostgreSQL tests skipped: \(environmentKey) is not set (scripts/test starts a throwaway server and sets it)"

    /// Creates an empty database and returns its URL.
    public static func create() async throws -> String {
        guard let server = serverURL, var components = URLComponents(string: server) else {
            throw TestDatabaseError(skipReason)
        }
        // Named with its creation time, so that a later run can tell the databases that tests
        // which failed before `drop` left behind from those of a run still going.
        let name =
            "rh_test_\(Int(Date().timeIntervalSince1970))_"
            + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        let sweeps = leftoversSwept.withLock { swept in
            defer { swept = true }
            return !swept
        }
        try await withAdminConnection(components) { connection, logger in
            if sweeps { try await dropLeftovers(connection, logger) }
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        components.path = "/\(name)"
        return components.string!
    }

    /// Drops a database made by `create`, closing any connection still open to it.
    public static func drop(_ url: String) async {
        guard let server = serverURL, let components = URLComponents(string: server),
            let name = URLComponents(string: url)?.path.dropFirst(), name.hasPrefix("rh_test_")
        else { return }
        try? await withAdminConnection(components) { connection, logger in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }

    /// Sets a server setting for the sessions opened on a database made by `create` from now on
    /// (`ALTER DATABASE … SET`), whatever the server's own default.
    public static func set(_ setting: String, to value: String, on url: String) async throws {
        guard let server = serverURL, let components = URLComponents(string: server),
            let name = URLComponents(string: url)?.path.dropFirst(), name.hasPrefix("rh_test_"),
            setting.allSatisfy({ $0.isLetter || $0 == "_" }), value.allSatisfy({ $0.isLetter || $0.isNumber })
        else { throw TestDatabaseError("not a test database or setting: \(url), \(setting) = \(value)") }
        try await withAdminConnection(components) { connection, logger in
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \(name) SET \(setting) = \(value)"), logger: logger)
        }
    }

    /// Whether this process has dropped the leftovers of earlier runs yet.
    private static let leftoversSwept = Mutex(false)

    /// How old a test database must be to count as left behind: no test run lasts that long.
    static let leftoverAge: TimeInterval = 6 * 3600

    /// Drops the test databases made more than `leftoverAge` ago.
    private static func dropLeftovers(_ connection: PostgresConnection, _ logger: Logger) async throws {
        let cutoff = Int(Date().timeIntervalSince1970 - leftoverAge)
        var names: [String] = []
        for try await name in try await connection.query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'rh\\_test\\_%'", logger: logger
        ).decode(String.self) {
            names.append(name)
        }
        for name in names {
            let fields = name.split(separator: "_")
            guard fields.count == 4, let created = Int(fields[2]), created < cutoff else { continue }
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }

    private static func withAdminConnection(
        _ components: URLComponents, _ body: (PostgresConnection, Logger) async throws -> Void
    ) async throws {
        let logger = Logger(label: "runhooks.test.postgres")
        let configuration = PostgresConnection.Configuration(
            host: components.host ?? "127.0.0.1", port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: String(components.path.dropFirst()), tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            try await body(connection, logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

public struct TestDatabaseError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
