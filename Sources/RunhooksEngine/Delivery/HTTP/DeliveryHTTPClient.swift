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
        /// When the request may be written (the loop's timer holds it until then, or until the
        /// end of its send window); nil: at once. A new connection is opened before it, so
        /// connecting costs the request no lateness.
        var notBefore: NIODeadline? = nil
    }

    /// What one request came to, with the phases it went through.
    struct Result: Sendable {
        var outcome: Swift.Result<HTTPExchange, HTTPExchangeError>
        var connectMs: Double?
        var tlsMs: Double?
        var firstByteMs: Double?
    }

    private struct PoolKey: Hashable {
        /// Connections are kept per event loop: a request goes out on its caller's loop.
        var loop: ObjectIdentifier
        var isTLS: Bool
        var address: String
        var port: Int
        var host: String
    }

    private struct Connection: Sendable {
        var channel: any Channel
        var collector: NIOLoopBound<ResponseCollector>
        var idleSince = NIODeadline.now()
    }

    private struct State {
        var idle: [PoolKey: [Connection]] = [:]
        var shutDown = false
        var tls: NIOSSLContext?
        var sweeper: RepeatedTask?
    }

    static let idleTimeout: TimeAmount = .seconds(60)
    /// A request holds its connection from its claim (up to the claim lead before its slot) to
    /// the answer, so a loop sending 5,000 requests a second to one target holds a few hundred
    /// at once. Keeping fewer than that idle closed one and opened another for most requests
    /// once a node saturated (1,400 connects a second at 20,000 offered fires/s).
    static let maxIdlePerTarget = 2048

    private let loops: DeliveryLoops
    private let state = Mutex(State())
    private let sendWindowNs: UInt64

    /// `sendWindow`: held requests are written at the end of the window of that length (on
    /// one grid for every loop) in which their time falls, so those due close together leave in
    /// one wake-up of their loop instead of one each; zero writes each at its own time.
    init(loops: DeliveryLoops, sendWindow: TimeAmount = .zero) {
        self.loops = loops
        sendWindowNs = UInt64(max(0, sendWindow.nanoseconds))
    }

    /// The end of the send window `deadline` falls in (never before `deadline`).
    func windowEnd(of deadline: NIODeadline) -> NIODeadline {
        guard sendWindowNs > 0 else { return deadline }
        let (quotient, remainder) = deadline.uptimeNanoseconds.quotientAndRemainder(dividingBy: sendWindowNs)
        return remainder == 0 ? deadline : .uptimeNanoseconds((quotient + 1) * sendWindowNs)
    }

    func execute(_ request: Request) async -> Result {
        let loop = loops.loopForCaller()
        let key = PoolKey(
            loop: ObjectIdentifier(loop), isTLS: request.target.isTLS, address: "\(request.target.address)",
            port: request.target.port, host: request.target.host)
        if let reused = takeIdle(key) {
            let result = await exchange(request, on: reused, key: key, phases: Result(outcome: .failure(.shutDown)))
            // A kept-alive connection the target closed (or reset) just as the request went out:
            // nothing was read, so the target never took the request; send it once on a new
            // connection.
            guard case .failure(let failure) = result.outcome, failure.endedBeforeAnswer, !Task.isCancelled,
                request.deadline > .now()
            else { return result }
        }
        var result = Result(outcome: .failure(.shutDown))
        let connection: Connection
        do {
            connection = try await connect(key, on: loop, request: request, phases: &result)
        } catch {
            result.outcome = .failure(error as? HTTPExchangeError ?? .failed(error))
            return result
        }
        return await exchange(request, on: connection, key: key, phases: result)
    }

    /// Sends the request on a connection and waits for the answer (or the deadline). The loop
    /// is visited once: it arms the timeout, writes the request (at once or at `notBefore`), and
    /// disarms the timeout when the answer comes, so no other thread wakes it meanwhile.
    private func exchange(_ request: Request, on connection: Connection, key: PoolKey, phases: Result) async -> Result {
        var result = phases
        let channel = connection.channel
        let loop = channel.eventLoop
        // Cancelled while connecting (or before): the request is not written at all.
        guard !Task.isCancelled else {
            putIdle(connection, key: key)
            result.outcome = .failure(.failed(CancellationError()))
            return result
        }
        let promise = loop.makePromise(of: HTTPExchange.self)
        let head = Self.head(of: request)
        let collector = connection.collector
        let body = request.body
        let limit = request.captureLimit
        let deadline = request.deadline
        let notBefore = request.notBefore.map(windowEnd(of:))
        let pendingWrite = NIOLoopBoundBox.makeEmptyBox(valueType: Scheduled<Void>.self, eventLoop: loop)
        loop.execute {
            let timeout = loop.scheduleTask(deadline: deadline) {
                promise.fail(HTTPExchangeError.timeout)
                collector.value.fail(.timeout)
                channel.close(promise: nil)
            }
            promise.futureResult.whenComplete { _ in
                timeout.cancel()
                pendingWrite.value?.cancel()
                pendingWrite.value = nil
            }
            let write: @Sendable () -> Void = {
                pendingWrite.value = nil
                // A kept-alive connection the target closed while the request waited for its
                // time: nothing was sent, and `execute` sends it on a new connection.
                guard channel.isActive else {
                    promise.fail(HTTPExchangeError.closedBeforeAnswer)
                    return
                }
                collector.value.expect(promise, captureLimit: limit)
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            }
            if let notBefore, notBefore > .now() {
                pendingWrite.value = loop.scheduleTask(deadline: notBefore, write)
            } else {
                write()
            }
        }
        do {
            let exchange = try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                // Not written yet: it never will be. Written: the answer is abandoned.
                promise.fail(CancellationError())
                channel.close(promise: nil)
            }
            result.firstByteMs = exchange.firstByteMs
            result.outcome = .success(exchange)
            if exchange.reusable { putIdle(connection, key: key) } else { channel.close(promise: nil) }
        } catch {
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
        let (idle, sweeper) = state.withLock { state -> ([Connection], RepeatedTask?) in
            state.shutDown = true
            defer {
                state.idle = [:]
                state.sweeper = nil
            }
            return (state.idle.values.flatMap { $0 }, state.sweeper)
        }
        sweeper?.cancel()
        for connection in idle { try? await connection.channel.close() }
    }

    private func connect(_ key: PoolKey, on loop: any EventLoop, request: Request, phases: inout Result) async throws
        -> Connection
    {
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
            channel = try await ClientBootstrap(group: loop)
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
        do {
            let collector = try await channel.eventLoop.submit {
                let sync = channel.pipeline.syncOperations
                // Every header a request carries was checked when its job was made or edited
                // (`HeaderRules`: token names, no control characters in values) or is our own,
                // so NIO's check of every header on every request is off.
                try sync.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
                try sync.addHandler(NIOHTTPResponseDecompressor(limit: .ratio(Dispatcher.decompressionRatio)))
                let collector = ResponseCollector()
                try sync.addHandler(collector)
                return NIOLoopBound(collector, eventLoop: channel.eventLoop)
            }.get()
            return Connection(channel: channel, collector: collector)
        } catch {
            channel.close(promise: nil)
            throw HTTPExchangeError.failed(error)
        }
    }

    private func takeIdle(_ key: PoolKey) -> Connection? {
        let now = NIODeadline.now()
        var stale: [Connection] = []
        defer { for connection in stale { connection.channel.close(promise: nil) } }
        return state.withLock { state in
            // Popped in place: copying the list out and back would copy it on every request.
            while let connection = state.idle[key]?.popLast() {
                if state.idle[key]?.isEmpty == true { state.idle[key] = nil }
                guard connection.channel.isActive else { continue }
                guard now - connection.idleSince < Self.idleTimeout else {
                    stale.append(connection)
                    continue
                }
                return connection
            }
            return nil
        }
    }

    private func putIdle(_ connection: Connection, key: PoolKey) {
        var connection = connection
        connection.idleSince = .now()
        let (kept, startSweeper) = state.withLock { state -> (Bool, Bool) in
            guard !state.shutDown, state.idle[key, default: []].count < Self.maxIdlePerTarget else { return (false, false) }
            state.idle[key, default: []].append(connection)
            return (true, state.sweeper == nil)
        }
        guard kept else {
            connection.channel.close(promise: nil)
            return
        }
        if startSweeper { startSweeping() }
    }

    /// Closes the connections idle for `idleTimeout`, looking every `idleTimeout / 4` (one
    /// timer for the client rather than one per request).
    private func startSweeping() {
        let period = TimeAmount.nanoseconds(Self.idleTimeout.nanoseconds / 4)
        let sweeper = loops.group.any().scheduleRepeatedTask(initialDelay: period, delay: period) { [weak self] _ in
            self?.closeStale()
        }
        let keep = state.withLock { state -> Bool in
            guard !state.shutDown, state.sweeper == nil else { return false }
            state.sweeper = sweeper
            return true
        }
        if !keep { sweeper.cancel() }
    }

    private func closeStale() {
        let now = NIODeadline.now()
        let stale = state.withLock { state -> [Connection] in
            var stale: [Connection] = []
            for (key, connections) in state.idle {
                let (old, fresh) = (
                    connections.filter { now - $0.idleSince >= Self.idleTimeout },
                    connections.filter { now - $0.idleSince < Self.idleTimeout }
                )
                guard !old.isEmpty else { continue }
                stale += old
                state.idle[key] = fresh.isEmpty ? nil : fresh
            }
            return stale
        }
        for connection in stale { connection.channel.close(promise: nil) }
    }
}
