import Foundation
import GRDB
import RunhooksCore

/// The embedded store: one SQLite file in WAL mode, opened through one GRDB `DatabasePool`.
public final class SQLiteStore: Store {
    let pool: DatabasePool
    public let path: String
    public var backendName: String { "sqlite" }

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            db.add(function: NameMatcher.sqlFunction)
            // In WAL mode NORMAL survives a killed process; only an OS crash or power loss can
            // drop the last commits. It spares an fsync per transaction.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Execution inserts touch several indexes spread over many jobs; SQLite's default
            // 2 MB page cache turns them into reads once the table grows. Pages are allocated
            // only as they are used.
            try db.execute(sql: "PRAGMA cache_size = -32768")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        self.path = path
        pool = try DatabasePool(path: path, configuration: configuration)
        let migrator = SQLiteSchema.migrator
        if try pool.read(migrator.hasBeenSuperseded) {
            let applied = try pool.read { db in try String.fetchAll(db.cachedStatement(sql: "SELECT identifier FROM grdb_migrations")) }
            throw StoreError.schemaTooNew("\(path) has migrations \(applied.joined(separator: ", "))")
        }
        try migrator.migrate(pool)
    }

    public func sharedSetting(_ key: String, proposing proposed: String) async throws -> String {
        try await pool.write { db in
            if let existing = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = ?"), arguments: [key]) {
                return existing
            }
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?)", arguments: [key, proposed])
            return proposed
        }
    }

    public func ping() async throws -> Double {
        let start = ContinuousClock.now
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.unavailable("database file \(path) is missing")
        }
        _ = try await pool.read { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM meta")) }
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
    }

    public func close() throws {
        try pool.close()
    }
}
