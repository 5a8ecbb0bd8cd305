import Foundation
import RunhooksTestSupport

/// The store a server process under test runs on: its SQLite file in the data directory, or a
/// fresh PostgreSQL database when a test server is configured (`scripts/test` starts one).
enum ServerBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres

    var description: String { rawValue }

    static let available: [ServerBackend] = {
        guard PostgresTestDatabase.serverURL != nil else {
            print(PostgresTestDatabase.skipReason)
            return [.sqlite]
        }
        return [.sqlite, .postgres]
    }()

    struct Database: Sendable {
        /// What `serve` (and `admin`) need to use it.
        var arguments: [String]
        var url: String?

        func drop() async {
            if let url { await PostgresTestDatabase.drop(url) }
        }
    }

    func makeDatabase() async throws -> Database {
        switch self {
        case .sqlite: return Database(arguments: [], url: nil)
        case .postgres:
            let url = try await PostgresTestDatabase.create()
            return Database(arguments: ["--database", url], url: url)
        }
    }
}
