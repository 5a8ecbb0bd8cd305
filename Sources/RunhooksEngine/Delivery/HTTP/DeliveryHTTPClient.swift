import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import NIOPosix
import NIOSSL
import RunhooksCore
import Synchronization

/// The HTTP/1.1 client deliveries go out on. It connects to the address the SSRF guard
/// checked (never resolving again), keeps connections alive for the next request to the same
/// target, and times each phase: connect and TLS on a new connection, the wait for the first
/// byte, the whole exchange. AsyncHTTPClient cannot report the phases, hence this client.
final class DeliveryHTTPClient: Sendable {
    struct Request: Sendable {
        var target: PinnedTarget
        var method: HTTPMethod
        var headers: HTTPHeaders
        var body: ByteBuffer?
        var deadline: NIODeadline
        var captureLimit: Int
    }

    /// What one request came to, with the phases it went through.
    struct Result: Sendable {
        var outcome: Swift.Result<HTTPExchange, HTTPExchangeError>
        var connectMs: Double?
        var tlsMs: Double?
        var firstByteMs: Double?
    }

    private struct PoolKey: Hashable {
        var isTLS: Bool
        var address: String
        var port: Int
        var host: String
    }

    private struct Connection: Sendable {
        var channel: any Channel
        var collector: NIOLoopBound<ResponseCollector>
        var id: UInt64
    }

    private struct State {
        var idle: [PoolKey: [Connection]] = [:]
        var nextId: UInt64 = 0
        var shutDown = false
        var tls: NIOSSLContext?
    }

    static let idleTimeout: TimeAmount = .seconds(60)
    static let maxIdlePerTarget = 256

    private let group: any EventLoopGroup
    private let state = Mutex(State())

    init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
    }

    func execute(_ request: Request) async -> Result {
        let key = PoolKey(
            isTLS: request.target.isTLS, address: "\(request.target.address)", port: request.target.port,
            host: request.target.host)
        if let reused = takeIdle(key) {
            let result = await exchange(request, on: reused, key: key, phases: Result(outcome: .failure(.shutDown)))
            // A kept-alive connection the target closed just as the request went out: nothing
            // was read, so the target never took the request; send it once on a new connection.
            guard case .failure(.closedBeforeAnswer) = result.outcome, !Task.isCancelled, request.deadline > .now()
            else { return result }
        }
        var result = Result(outcome: .failure(.shutDown))
        let connection: Connection
        do {
            connection = try await connect(key, request: request, phases: &result)
        } catch {
            result.outcome = .failure(error as? HTTPExchangeError ?? .failed(error))
            return result
        }
        return await exchange(request, on: connection, key: key, phases: result)
    }

    /// Sends the request on a connection and waits for the answer (or the deadline).
    private func exchange(_ request: Request, on connection: Connection, key: PoolKey, phases: Result) async -> Result {
        var result = phases
        let channel = connection.channel
        let promise = channel.eventLoop.makePromise(of: HTTPExchange.self)
        let head = Self.head(of: request)
        let collector = connection.collector
        let body = request.body
        let limit = request.captureLimit
        let timeout = channel.eventLoop.scheduleTask(deadline: request.deadline) {
            collector.value.fail(.timeout)
            channel.close(promise: nil)
        }
        channel.eventLoop.execute {
            collector.value.expect(promise, captureLimit: limit)
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        }
        do {
            let exchange = try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                channel.close(promise: nil)
            }
            timeout.cancel()
            result.firstByteMs = exchange.firstByteMs
            result.outcome = .success(exchange)
            if exchange.reusable { putIdle(connection, key: key) } else { channel.close(promise: nil) }
        } catch {
            timeout.cancel()
            channel.close(promise: nil)
            result.outcome = .failure(error as? HTTPExchangeError ?? .failed(error))
        }
        return result
    }

    static func head(of request: Request) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.target.requestTarget)
        head.headers = request.headers
        head.headers.replaceOrAdd(name: "Host", value: request.target.hostHeader)
        if let body = request.body {
            head.headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
        } else if [.POST, .PUT, .PATCH].contains(request.method) {
            head.headers.replaceOrAdd(name: "Content-Length", value: "0")
        }
        return head
    }

    /// Closes the idle connections; requests after this fail.
    func shutdown() async {
        let idle = state.withLock { state -> [Connection] in
            state.shutDown = true
            defer { state.idle = [:] }
            return state.idle.values.flatMap { $0 }
        }
        for connection in idle { try? await connection.channel.close() }
    }

    private func connect(_ key: PoolKey, request: Request, phases: inout Result) async throws -> Connection {
        var tls = try state.withLock { state -> NIOSSLContext? in
            if state.shutDown { throw HTTPExchangeError.shutDown }
            return state.tls
        }
        if key.isTLS, tls == nil {
            // Made outside the lock (it reads the system's trust store); the first one kept wins.
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.applicationProtocols = ["http/1.1"]
            let made = try NIOSSLContext(configuration: configuration)
            tls = state.withLock { state in
                if state.tls == nil { state.tls = made }
                return state.tls
            }
        }
        if !key.isTLS { tls = nil }
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: key.address, port: key.port)
        } catch {
            throw HTTPExchangeError.connect(error)
        }
        let remaining = request.deadline - .now()
        guard remaining > .zero else { throw HTTPExchangeError.timeout }
        let started = ContinuousClock.now
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(remaining)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(to: address).get()
        } catch {
            if case ChannelError.connectTimeout = error { throw HTTPExchangeError.timeout }
            throw HTTPExchangeError.connect(error)
        }
        phases.connectMs = (ContinuousClock.now - started).fractionalMilliseconds
        if let tls {
            let handshakeStarted = ContinuousClock.now
            let handshake = channel.eventLoop.makePromise(of: Void.self)
            let timeout = channel.eventLoop.scheduleTask(deadline: request.deadline) {
                handshake.fail(HTTPExchangeError.timeout)
                channel.close(promise: nil)
            }
            do {
                // SNI and the certificate check name the host; an address literal goes without SNI.
                let serverName = IPAddress(host: key.host) == nil ? key.host : nil
                try await channel.eventLoop.submit {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    try sync.addHandler(TLSHandshakeWaiter(handshake))
                }.get()
                try await withTaskCancellationHandler {
                    try await handshake.futureResult.get()
                } onCancel: {
                    channel.close(promise: nil)
                }
                timeout.cancel()
            } catch {
                timeout.cancel()
                channel.close(promise: nil)
                if case HTTPExchangeError.timeout = error { throw HTTPExchangeError.timeout }
                throw HTTPExchangeError.tls(error)
            }
            phases.tlsMs = (ContinuousClock.now - handshakeStarted).fractionalMilliseconds
        }
        let id = state.withLock { state -> UInt64 in
            state.nextId += 1
            return state.nextId
        }
        do {
            let collector = try await channel.eventLoop.submit {
                let sync = channel.pipeline.syncOperations
                try sync.addHTTPClientHandlers()
                try sync.addHandler(NIOHTTPResponseDecompressor(limit: .ratio(20)))
                let collector = ResponseCollector()
                try sync.addHandler(collector)
                return NIOLoopBound(collector, eventLoop: channel.eventLoop)
            }.get()
            return Connection(channel: channel, collector: collector, id: id)
        } catch {
            channel.close(promise: nil)
            throw HTTPExchangeError.failed(error)
        }
    }

    private func takeIdle(_ key: PoolKey) -> Connection? {
        state.withLock { state in
            while var connections = state.idle[key], let connection = connections.popLast() {
                state.idle[key] = connections.isEmpty ? nil : connections
                if connection.channel.isActive { return connection }
            }
            return nil
        }
    }

    private func putIdle(_ connection: Connection, key: PoolKey) {
        let kept = state.withLock { state -> Bool in
            guard !state.shutDown, state.idle[key, default: []].count < Self.maxIdlePerTarget else { return false }
            state.idle[key, default: []].append(connection)
            return true
        }
        guard kept else {
            connection.channel.close(promise: nil)
            return
        }
        connection.channel.eventLoop.scheduleTask(in: Self.idleTimeout) { [weak self] in
            self?.evict(connection.id, key: key)
        }
    }

    /// Closes a connection that stayed idle for `idleTimeout` (if it is still idle).
    private func evict(_ id: UInt64, key: PoolKey) {
        let evicted = state.withLock { state -> Connection? in
            guard var connections = state.idle[key], let index = connections.firstIndex(where: { $0.id == id }) else { return nil }
            let connection = connections.remove(at: index)
            state.idle[key] = connections.isEmpty ? nil : connections
            return connection
        }
        evicted?.channel.close(promise: nil)
    }
}
