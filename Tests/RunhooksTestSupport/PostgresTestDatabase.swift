import Foundation
import Logging
import PostgresNIO

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
        let name = "rh_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        try await withAdminConnection(components) { connection, logger in
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
