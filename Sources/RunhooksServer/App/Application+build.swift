import Foundation
import Hummingbird
import Logging
import CoreMetrics
import NIOCore
import Prometheus
import RunhooksCluster
import ServiceLifecycle
import RunhooksCore
import RunhooksEngine
import RunhooksStore

/// Builds the router with every `/api/v1` route, behind the error envelope and the global limit.
public func buildRouter(services: AppServices) -> Router<RunhooksRequestContext> {
    let router = Router(context: RunhooksRequestContext.self)
    router.add(middleware: ErrorEnvelopeMiddleware())
    if let gateway = services.gateway { router.add(middleware: ClusterHopMiddleware(gateway: gateway)) }
    if services.rateLimitsEnabled {
        router.add(middleware: RateLimitMiddleware(services.limiter, policy: .global, key: .clientAddress))
    }
    // Innermost, so it sees the router's "no route" before the rate limiter turns it into a response.
    let routeMethods = RouteMethods()
    router.add(middleware: MethodNotAllowedMiddleware(routes: routeMethods))
    DashboardController().addRoutes(to: router)
    let api = router.group("api/v1")
    AuthController(services: services).addRoutes(to: api.group("auth"))
    JobsController(services: services).addRoutes(to: api)
    ExecutionsController(services: services).addRoutes(to: api)
    AlertsController(services: services).addRoutes(to: api)
    UsageController(services: services).addRoutes(to: api)
    WebhookSecretController(services: services).addRoutes(to: api)
    SchedulesController(services: services).addRoutes(to: api)
    HealthController(services: services).addRoutes(to: api)
    let document = OpenAPIDocument.make(
        .init(version: HealthController.version, jobRules: services.jobRules, alertRules: services.alertRules))
    api.get("openapi.json") { _, _ in JSONResponse.make(status: .ok, body: document) }
    if let registry = services.metrics {
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
    routeMethods.load(router.routes.map { ("\($0.path)", $0.method.rawValue) })
    routeMethods.answerHEAD(with: router.buildResponder())
    return router
}

/// Wires the store, auth and tenant actors together for one node.
public func buildServices(
    configuration: ServerConfiguration, store: any Store, jwtSecret: String, clock: any WallClock = SystemWallClock(),
    withEngine: Bool = false, logger: Logger = Logger(label: "runhooks"), metrics: PrometheusCollectorRegistry? = nil,
    nodeId: String = "local", secretsKey: String? = nil
) async throws -> AppServices {
    let ids = ObjectIDGenerator()
    let shardCount = try await store.shardCount(proposing: configuration.shardCount)
    let shards = ShardMap(shardCount: shardCount)
    let context = EngineContext(
        store: store, ids: ids, clock: clock, shards: shards, secretBox: SecretBox(keyMaterial: secretsKey ?? jwtSecret))
    let tokens = try await TokenService(secret: jwtSecret, clock: clock)
    let tenants = TenantDirectory(context: context)
    let targets = TargetGuard(allowPrivateTargets: configuration.allowPrivateTargets)
    let ownership = ShardOwnership(localNodeId: nodeId, shards: shards)
    let metricsFactory = metrics.map(EngineMetrics.prometheusFactory) ?? NOOPMetricsHandler.instance
    let smtp = try configuration.smtpURL.map { url in
        do {
            return try SMTPConfiguration(url: url, from: configuration.smtpFrom)
        } catch {
            throw ConfigurationError("\(error)")
        }
    }
    let engine = withEngine
        ? DeliveryEngine(
            context: context, tenants: tenants, targets: targets,
            ownedShards: configuration.cluster == nil ? ownership.localShards : [], logger: logger,
            metrics: EngineMetrics(factory: metricsFactory),
            smtp: smtp, claimLead: .milliseconds(configuration.claimLeadMs),
            sendWindow: .milliseconds(configuration.sendWindowMs))
        : nil
    var services = AppServices(
        store: store,
        auth: AuthService(
            store: store, tokens: tokens, passwords: PasswordHasher(cost: configuration.bcryptCost), ids: ids, clock: clock),
        tenants: tenants, ownership: ownership, targets: targets,
        jobRules: JobRules(minIntervalMs: configuration.minIntervalMs),
        alertRules: AlertRules(allowPlainHTTPSlack: configuration.allowPrivateTargets),
        limiter: RateLimiter(
            clock: clock, trustedProxies: configuration.trustedProxies, forwardingHeader: configuration.forwardingHeader), rateLimitsEnabled: configuration.rateLimitsEnabled, clock: clock, ids: ids,
        webhookSecrets: context.webhookSecrets, engine: engine, metrics: metrics)
    if let cluster = configuration.cluster, let engine {
        services.gateway = ClusterGateway(ownership: ownership, clusterSecret: jwtSecret, metrics: metricsFactory)
        var gossipLogger = logger
        gossipLogger[metadataKey: "node"] = "\(nodeId)"
        var settings = ClusterCoordinator.Settings(
            gossipPort: cluster.port, seeds: cluster.seeds, advertisedGatewayURL: cluster.advertisedGatewayURL)
        settings.leaseDuration = 4
        services.cluster = ClusterCoordinator(
            gossip: GossipNode(
                id: nodeId, key: ClusterKey(cluster.key), host: cluster.host, httpURL: cluster.advertisedGatewayURL ?? "",
                logger: gossipLogger, metrics: metricsFactory),
            ownership: ownership, engine: engine, store: store, clock: clock, settings: settings, logger: gossipLogger,
            metrics: metricsFactory)
    }
    return services
}

/// The whole server of `runhooks serve`: it takes the data directory's lock, opens the store
/// and answers on the configured address.
public func buildApplication(configuration: ServerConfiguration) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "runhooks")
    logger.logLevel = configuration.logLevel
    let dataDirectory = try DataDirectory(path: configuration.dataDirectory)
    let location = try configuration.storeLocation()
    if let cluster = configuration.cluster, cluster.joinsRemoteHosts, !location.isShared {
        throw ConfigurationError(
            "--join names another machine, but the SQLite store is a file on this one that the other nodes cannot "
                + "share; nodes on several machines need the PostgreSQL store: give every node the same "
                + "--database postgres://USER:PASS@HOST:PORT/DB (docs/OPERATIONS.md)")
    }
    var storeLogger = logger
    storeLogger[metadataKey: "store"] = "postgres"
    let store = try await location.open(poolSize: configuration.databasePoolSize, logger: storeLogger)
    logger.info("store: \(store.backendName)")
    // Every node of a store signs and checks tokens with the same secret.
    let secret: String
    if let configured = configuration.jwtSecret {
        secret = configured
    } else {
        secret = try await store.sharedSetting("jwt_secret", proposing: try dataDirectory.jwtSecret())
    }
    let firstStart = try await !store.hasAccounts()
    let secretsKey = try await SecretsKey.resolve(configured: configuration.secretsKey, store: store)
    let nodeId = try configuration.cluster.map { try $0.nodeId ?? dataDirectory.nodeId() } ?? "local"
    let services = try await buildServices(
        configuration: configuration, store: store, jwtSecret: secret, clock: EventLoopWallClock(), withEngine: true,
        logger: logger,
        metrics: PrometheusCollectorRegistry(), nodeId: nodeId, secretsKey: secretsKey)
    do {
        _ = try await services.webhookSecrets.backfill(logger: logger)
        try await services.cluster?.listen()
    } catch {
        // The gateway's HTTP client must be shut down before it goes away.
        try? await services.gateway?.shutdown()
        throw error
    }
    let router = buildRouter(services: services)
    // Shut down in reverse order: the coordinator hands its shards over while the engine and
    // the gateway still run.
    var background: [any Service] = []
    // The store's connection pool closes last, after everything that writes.
    if let store = store as? PostgresStore { background.append(store) }
    background.append(AccountCacheRefresh(cache: services.auth.accounts, store: store, logger: logger))
    if let gateway = services.gateway { background.append(gateway) }
    if let engine = services.engine { background.append(engine) }
    if let cluster = services.cluster { background.append(cluster) }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "runhooks"),
        services: background,
        onServerRunning: { channel in
            // Keeps the lock alive for as long as the server runs.
            withExtendedLifetime(dataDirectory) {}
            let port = channel.localAddress?.port ?? configuration.port
            services.cluster?.gatewayListening(at: "http://\(configuration.host):\(port)")
            let banner = StartBanner(
                host: configuration.host, port: port, store: location.displayName,
                dataDirectory: URL(fileURLWithPath: dataDirectory.path).standardizedFileURL.path, firstStart: firstStart)
            switch configuration.logFormat {
            case .text: FileHandle.standardOutput.write(Data(banner.text.utf8))
            case .json:
                // On standard output like the text banner, whatever the log level: scripts read
                // the address from it (`--port 0`).
                let handler = JSONLineLogHandler(label: "runhooks") { FileHandle.standardOutput.write(Data($0)) }
                Logger(label: "runhooks") { _ in handler }.info("\(banner.headline)", metadata: banner.metadata)
            }
        },
        logger: logger)
}
