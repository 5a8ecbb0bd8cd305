import Foundation
import Logging
import RunhooksCore
import RunhooksStore

/// How `runhooks serve` runs (see docs/OPERATIONS.md for each option).
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    public var dataDirectory: String = "./runhooks-data"
    /// `sqlite:PATH` or `postgres://USER:PASS@HOST:PORT/DB`; nil means `sqlite:<data-dir>/runhooks.sqlite`.
    public var databaseURL: String?
    /// Most connections the PostgreSQL store opens (ignored by SQLite).
    public var databasePoolSize = 10
    public var allowPrivateTargets = false
    public var rateLimitsEnabled = true
    /// Proxies (load balancers) whose forwarding header names the client for per-address limits.
    public var trustedProxies: [IPNetwork] = []
    /// The header those proxies name the client in.
    public var forwardingHeader: ForwardingHeader = .xForwardedFor
    public var minIntervalMs = 1000
    public var smtpURL: String?
    public var smtpFrom = "runhooks@localhost"
    public var logLevel: Logger.Level = .info
    public var logFormat: LogFormat = .text

    public enum LogFormat: String, Sendable {
        case text, json
    }
    public var shardCount = 64
    /// How early a fire is claimed before its slot, so the request leaves on time.
    public var claimLeadMs = 50
    /// Requests due within one window of this many milliseconds leave together at its end,
    /// in one wake-up of their event loop (up to that much later than their slot); 0 writes
    /// each at its own time.
    public var sendWindowMs = 4
    /// The JWT signing secret; nil means the one kept in the data directory (made on first start).
    public var jwtSecret: String?
    /// The key that seals webhook signing secrets in the store; nil means one kept in the store
    /// itself (made on first start). Set it (`RUNHOOKS_SECRETS_KEY`) to keep it out of the database.
    public var secretsKey: String?
    public var bcryptCost: UInt8 = 10
    /// Set when this node is part of a cluster (`--cluster-port` or `--join`).
    public var cluster: ClusterConfiguration?

    public init() {}

    /// Where the store lives, from `--database` (or the data directory's SQLite file).
    public func storeLocation() throws -> StoreLocation {
        guard let databaseURL else {
            return .sqlite(path: (dataDirectory as NSString).appendingPathComponent("runhooks.sqlite"))
        }
        if databaseURL.hasPrefix("sqlite:") {
            let path = String(databaseURL.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw ConfigurationError("--database sqlite: needs a path, as in sqlite:./runhooks.sqlite") }
            return .sqlite(path: path)
        }
        if databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://") {
            do {
                return .postgres(try PostgresURL(databaseURL))
            } catch {
                throw ConfigurationError("\(error)")
            }
        }
        throw ConfigurationError(
            "--database must be sqlite:PATH or postgres://USER:PASS@HOST:PORT/DB, got '\(databaseURL.prefix(40))'")
    }
}

/// Which backend holds the store, and where.
public enum StoreLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(PostgresURL)

    /// Opens the store (for PostgreSQL: connects, then migrates). The caller closes it.
    public func open(poolSize: Int, logger: Logger) async throws -> any Store {
        switch self {
        case .sqlite(let path):
            return try SQLiteStore(path: path)
        case .postgres(let url):
            do {
                return try await PostgresStore.open(url: url, poolSize: poolSize, logger: logger)
            } catch let error as StoreError {
                throw ConfigurationError("\(error)")
            } catch {
                throw ConfigurationError("cannot use the PostgreSQL store at \(url.redacted): \(String(reflecting: error))")
            }
        }
    }

    /// Where the data lives, for the start-up banner (a PostgreSQL password is not shown).
    public var displayName: String {
        switch self {
        case .sqlite(let path): return "SQLite, \(URL(fileURLWithPath: path).standardizedFileURL.path)"
        case .postgres(let url): return "PostgreSQL, \(url.redacted)"
        }
    }

    public var isShared: Bool {
        if case .postgres = self { return true }
        return false
    }
}

/// How a node takes part in a cluster (docs/OPERATIONS.md, cluster/README.md).
public struct ClusterConfiguration: Sendable {
    /// Stable name of the node; nil: the one kept in the data directory (made on first start).
    public var nodeId: String?
    public var host: String
    public var port: Int
    /// Seeds ("host:port") to join; empty starts a new cluster.
    public var seeds: [String]
    /// The gateway URL other nodes forward to; nil: `http://<host>:<port>` of this server.
    public var advertisedGatewayURL: String?
    /// The secret every gossip frame is authenticated with; the same on every node.
    public var key: String

    public init(
        key: String, nodeId: String? = nil, host: String = "127.0.0.1", port: Int = 7946, seeds: [String] = [],
        advertisedGatewayURL: String? = nil
    ) {
        self.key = key
        self.nodeId = nodeId
        self.host = host
        self.port = port
        self.seeds = seeds
        self.advertisedGatewayURL = advertisedGatewayURL
    }

    /// Whether a seed is on another machine (anything but loopback).
    public var joinsRemoteHosts: Bool {
        seeds.contains { seed in
            let host = seed.split(separator: ":").dropLast().joined(separator: ":").trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            return !(host == "localhost" || host.hasPrefix("127.") || host == "::1")
        }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
