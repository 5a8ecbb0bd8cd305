import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import RunhooksCluster
import RunhooksCore
import RunhooksServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP API server.")

    @Option(help: "Address the HTTP gateway binds (RUNHOOKS_HOST).") var host: String?
    @Option(help: "HTTP port; 0 picks a free one (RUNHOOKS_PORT).") var port: Int?
    @Option(name: .customLong("data-dir"), help: "Where the SQLite database and secrets live (RUNHOOKS_DATA_DIR).")
    var dataDir: String?
    @Option(
        help: "Store URL: sqlite:PATH (default: DATA_DIR/runhooks.sqlite) or postgres://USER:PASS@HOST:PORT/DB[?sslmode=disable|prefer|require] (RUNHOOKS_DATABASE).")
    var database: String?
    @Option(
        name: .customLong("database-pool"),
        help: "Most connections to PostgreSQL, 1-200; default 10 (RUNHOOKS_DATABASE_POOL).")
    var databasePool: Int?
    @Flag(name: .customLong("allow-private-targets"), help: "Allow targets on loopback and private networks.")
    var allowPrivateTargets = false
    @Option(name: .customLong("rate-limits"), help: "on or off (RUNHOOKS_RATE_LIMITS).") var rateLimits: String?
    @Option(
        name: .customLong("trusted-proxies"),
        help: "Comma-separated addresses or CIDR blocks of proxies whose forwarding header names the client for per-address rate limits (RUNHOOKS_TRUSTED_PROXIES).")
    var trustedProxies: String?
    @Option(
        name: .customLong("forwarding-header"),
        help: "The header the trusted proxies name the client in: x-forwarded-for (default) or forwarded, RFC 7239 (RUNHOOKS_FORWARDING_HEADER).")
    var forwardingHeader: String?
    @Option(name: .customLong("min-interval-ms"), help: "Smallest interval schedule accepted (RUNHOOKS_MIN_INTERVAL_MS).")
    var minIntervalMs: Int?
    @Option(name: .customLong("smtp-url"), help: "smtp://user:pass@host:port for email alerts (RUNHOOKS_SMTP_URL).")
    var smtpURL: String?
    @Option(name: .customLong("smtp-from"), help: "Sender of email alerts (RUNHOOKS_SMTP_FROM).") var smtpFrom: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error (RUNHOOKS_LOG_LEVEL).")
    var logLevel: String?
    @Option(
        name: .customLong("log-format"),
        help: "text (default) or json: one JSON object per line, for log collectors (RUNHOOKS_LOG_FORMAT).")
    var logFormat: String?
    @Option(help: "Shard count for a new store (RUNHOOKS_SHARDS).") var shards: Int?
    @Option(name: .customLong("node-id"), help: "Stable name of this node in a cluster (RUNHOOKS_NODE_ID).")
    var nodeId: String?
    @Option(name: .customLong("cluster-host"), help: "Address the gossip listener binds (RUNHOOKS_CLUSTER_HOST).")
    var clusterHost: String?
    @Option(
        name: .customLong("cluster-port"),
        help: "Gossip TCP port; setting it (or --join) makes this node part of a cluster (RUNHOOKS_CLUSTER_PORT).")
    var clusterPort: Int?
    @Option(help: "Seeds to join, HOST:PORT[,HOST:PORT...]; none starts a new cluster (RUNHOOKS_JOIN).")
    var join: String?
    @Option(
        name: .customLong("advertise-http"),
        help: "The gateway URL other nodes forward to (RUNHOOKS_ADVERTISE_HTTP); default http://HOST:PORT.")
    var advertiseHTTP: String?
    @Option(
        name: .customLong("cluster-key"),
        help: "Secret shared by every node, at least 16 characters; authenticates gossip. Required in a cluster (RUNHOOKS_CLUSTER_KEY).")
    var clusterKey: String?
    @Option(
        name: .customLong("claim-lead-ms"),
        help: "How early a fire is claimed in the store before its slot, 0-1000 (RUNHOOKS_CLAIM_LEAD_MS).")
    var claimLeadMs: Int?
    @Option(
        name: .customLong("send-window-ms"),
        help: "Requests due within one window of this many milliseconds leave together at its end, 0-50; 0 sends each at its own time (RUNHOOKS_SEND_WINDOW_MS).")
    var sendWindowMs: Int?

    /// Checked before `run`, so that a bad option is answered with this command's usage.
    func validate() throws {
        _ = try configuration()
    }

    func configuration() throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.host = host ?? Environment.value("HOST") ?? configuration.host
        if let port = try port ?? Environment.value("PORT").map({ try parseInt($0, "port") }) {
            guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
            configuration.port = port
        }
        configuration.dataDirectory = dataDir ?? Environment.value("DATA_DIR") ?? configuration.dataDirectory
        configuration.databaseURL = database ?? Environment.value("DATABASE")
        if let pool = try databasePool ?? Environment.value("DATABASE_POOL").map({ try parseInt($0, "database-pool") }) {
            guard (1...200).contains(pool) else { throw ValidationError("--database-pool must be between 1 and 200") }
            configuration.databasePoolSize = pool
        }
        configuration.allowPrivateTargets = allowPrivateTargets || Environment.flag("ALLOW_PRIVATE_TARGETS")
        switch (rateLimits ?? Environment.value("RATE_LIMITS") ?? "on").lowercased() {
        case "on": configuration.rateLimitsEnabled = true
        case "off": configuration.rateLimitsEnabled = false
        case let other: throw ValidationError("--rate-limits must be on or off, got '\(other)'")
        }
        if let proxies = trustedProxies ?? Environment.value("TRUSTED_PROXIES") {
            configuration.trustedProxies = try proxies.split(separator: ",").map { entry in
                let text = entry.trimmingCharacters(in: .whitespaces)
                guard let network = IPNetwork(text) else {
                    throw ValidationError("--trusted-proxies: '\(text)' is not an address or CIDR block (such as 10.0.0.0/8)")
                }
                return network
            }
        }
        if let header = forwardingHeader ?? Environment.value("FORWARDING_HEADER") {
            guard let parsed = ForwardingHeader(rawValue: header.lowercased()) else {
                throw ValidationError("--forwarding-header must be x-forwarded-for or forwarded, got '\(header)'")
            }
            configuration.forwardingHeader = parsed
        }
        if let minimum = try minIntervalMs ?? Environment.value("MIN_INTERVAL_MS").map({ try parseInt($0, "min-interval-ms") }) {
            guard minimum >= 1 else { throw ValidationError("--min-interval-ms must be at least 1") }
            configuration.minIntervalMs = minimum
        }
        configuration.smtpURL = smtpURL ?? Environment.value("SMTP_URL")
        configuration.smtpFrom = smtpFrom ?? Environment.value("SMTP_FROM") ?? configuration.smtpFrom
        let level = logLevel ?? Environment.value("LOG_LEVEL") ?? "info"
        guard let parsedLevel = Logger.Level(rawValue: level.lowercased()) else {
            throw ValidationError("--log-level must be trace, debug, info, notice, warning or error, got '\(level)'")
        }
        configuration.logLevel = parsedLevel
        let format = logFormat ?? Environment.value("LOG_FORMAT") ?? "text"
        guard let parsedFormat = ServerConfiguration.LogFormat(rawValue: format.lowercased()) else {
            throw ValidationError("--log-format must be text or json, got '\(format)'")
        }
        configuration.logFormat = parsedFormat
        if let shards = try shards ?? Environment.value("SHARDS").map({ try parseInt($0, "shards") }) {
            guard (1...4096).contains(shards) else { throw ValidationError("--shards must be between 1 and 4096") }
            configuration.shardCount = shards
        }
        if let lead = try claimLeadMs ?? Environment.value("CLAIM_LEAD_MS").map({ try parseInt($0, "claim-lead-ms") }) {
            guard (0...1000).contains(lead) else { throw ValidationError("--claim-lead-ms must be between 0 and 1000") }
            configuration.claimLeadMs = lead
        }
        if let window = try sendWindowMs ?? Environment.value("SEND_WINDOW_MS").map({ try parseInt($0, "send-window-ms") }) {
            guard (0...50).contains(window) else { throw ValidationError("--send-window-ms must be between 0 and 50") }
            configuration.sendWindowMs = window
        }
        configuration.jwtSecret = Environment.value("JWT_SECRET")
        configuration.secretsKey = Environment.value("SECRETS_KEY")
        if let key = configuration.secretsKey, key.utf8.count < 32 {
            throw ValidationError("RUNHOOKS_SECRETS_KEY must be at least 32 bytes long (for example: openssl rand -base64 32)")
        }
        configuration.cluster = try clusterConfiguration(httpHost: configuration.host)
        return configuration
    }

    private func clusterConfiguration(httpHost: String) throws -> ClusterConfiguration? {
        let port = try clusterPort ?? Environment.value("CLUSTER_PORT").map { try parseInt($0, "cluster-port") }
        let seeds = (join ?? Environment.value("JOIN") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard port != nil || !seeds.isEmpty else { return nil }
        for seed in seeds {
            guard let separator = seed.lastIndex(of: ":"), let seedPort = Int(seed[seed.index(after: separator)...]),
                (1...65_535).contains(seedPort), separator != seed.startIndex
            else { throw ValidationError("--join takes HOST:PORT[,HOST:PORT...], got '\(seed)'") }
        }
        guard let key = clusterKey ?? Environment.value("CLUSTER_KEY"), !key.isEmpty else {
            throw ValidationError(
                "a cluster node needs --cluster-key (or RUNHOOKS_CLUSTER_KEY): the same secret of at least \(ClusterKey.minimumLength) characters on every node, e.g. from 'openssl rand -hex 32'")
        }
        guard key.count >= ClusterKey.minimumLength else {
            throw ValidationError("--cluster-key must be at least \(ClusterKey.minimumLength) characters long")
        }
        var cluster = ClusterConfiguration(key: key, seeds: seeds)
        if let port {
            guard (0...65_535).contains(port) else { throw ValidationError("--cluster-port must be between 0 and 65535") }
            cluster.port = port
        }
        cluster.host = clusterHost ?? Environment.value("CLUSTER_HOST") ?? httpHost
        cluster.nodeId = nodeId ?? Environment.value("NODE_ID")
        if let id = cluster.nodeId {
            guard !id.isEmpty, id.utf8.count <= 64, id.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw ValidationError("--node-id must be 1-64 letters, digits, '-', '_' or '.', got '\(id)'")
            }
        }
        cluster.advertisedGatewayURL = advertiseHTTP ?? Environment.value("ADVERTISE_HTTP")
        if let url = cluster.advertisedGatewayURL {
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), URL(string: url)?.host != nil else {
                throw ValidationError("--advertise-http must be an http(s) URL such as http://10.0.0.5:8080, got '\(url)'")
            }
            cluster.advertisedGatewayURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        } else if ["0.0.0.0", "::", "[::]"].contains(httpHost) {
            throw ValidationError("--host \(httpHost) listens on every address; say which one other nodes use with --advertise-http")
        }
        return cluster
    }

    private func parseInt(_ text: String, _ name: String) throws -> Int {
        guard let value = Int(text) else {
            let variable = "RUNHOOKS_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            throw ValidationError("\(variable) must be a number, got '\(text)'")
        }
        return value
    }

    static let bindFailures: Set<Int32> = [EADDRINUSE, EADDRNOTAVAIL, EACCES]

    func run() async throws {
        let configuration = try configuration()
        // Swift concurrency keeps its own thread pool. Running it on NIO's event loops
        // (`NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()`)
        // saved about 18 % of CPU per fire at moderate load, but at saturation the engine's jobs
        // crowded out every socket: 7,068 fires/s instead of 10,234 and an API that answered a
        // few requests a second (Benchmarks/RESULTS-notes.md).
        MallocTuning.keepFreedMemory()
        switch configuration.logFormat {
        case .text: LoggingSystem.bootstrap(StandardErrorLogHandler.init)
        case .json: LoggingSystem.bootstrap(JSONLineLogHandler.init)
        }
        let openFiles = OpenFileLimit.raiseToHardLimit()
        if openFiles > 0, openFiles < 8192 {
            report(
                "at most \(openFiles) open files (ulimit -n); a busy node holds a socket per request in flight (up to 4,096)",
                level: .warning, format: configuration.logFormat)
        }
        do {
            let app = try await buildApplication(configuration: configuration)
            try await app.runService()
        } catch let error as ConfigurationError {
            report("\(error)", level: .critical, format: configuration.logFormat)
            throw ExitCode(1)
        } catch let error as IOError where Self.bindFailures.contains(error.errnoCode) {
            // The only socket the server itself opens before it answers is its listener.
            report(
                "cannot listen on \(configuration.host):\(configuration.port) (--host, --port): \(error.systemReason)",
                level: .critical, format: configuration.logFormat)
            throw ExitCode(1)
        }
    }

    /// A warning or a refusal to start: a plain line for a person at a terminal, or, with
    /// `--log-format json`, a log line that the collector parses like every other.
    private func report(_ message: String, level: Logger.Level, format: ServerConfiguration.LogFormat) {
        switch format {
        case .text:
            let prefix = level == .warning ? "runhooks: warning: " : "runhooks: "
            FileHandle.standardError.write(Data((prefix + message + "\n").utf8))
        case .json:
            Logger(label: "runhooks").log(level: level, "\(message)")
        }
    }
}
