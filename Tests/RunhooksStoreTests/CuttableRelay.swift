import NIOCore
import NIOPosix
import Synchronization

/// A TCP relay in front of a server that a test can cut the way a link that went down is cut:
/// from then on the bytes sent either way are dropped, and no connection is closed or reset.
/// It can also let a given number of the server's bytes through first, so that the link goes
/// down half-way through an answer, or hold each of the server's answers back a while (a slow
/// link that still answers).
final class CuttableRelay: Sendable {
    let port: Int
    private let listener: any Channel
    private let link: Link

    final class Link: Sendable {
        private struct State {
            var isCut = false
            /// How many more of the server's bytes pass before the link goes down; nil: no limit.
            var answerBytesLeft: Int?
            var answerDelay = TimeAmount.zero
        }

        private let state = Mutex(State())

        var isCut: Bool {
            get { state.withLock { $0.isCut } }
            set { state.withLock { $0.isCut = newValue } }
        }

        func cutAnswers(after bytes: Int?) {
            state.withLock { $0.answerBytesLeft = bytes }
        }

        var answerDelay: TimeAmount {
            get { state.withLock { $0.answerDelay } }
            set { state.withLock { $0.answerDelay = newValue } }
        }

        /// How many of `count` bytes pass in the given direction; the rest are dropped.
        func passing(_ count: Int, fromServer: Bool) -> Int {
            state.withLock { state in
                guard !state.isCut else { return 0 }
                guard fromServer, let left = state.answerBytesLeft else { return count }
                let passing = min(left, count)
                state.answerBytesLeft = left - passing
                return passing
            }
        }
    }

    private init(port: Int, listener: any Channel, link: Link) {
        self.port = port
        self.listener = listener
        self.link = link
    }

    /// Listens on a free loopback port; each connection is relayed to `host`:`port`.
    static func start(to host: String, port targetPort: Int) async throws -> CuttableRelay {
        let link = Link()
        let group = MultiThreadedEventLoopGroup.singleton
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop).connect(host: host, port: targetPort).flatMapThrowing { outbound in
                    try inbound.pipeline.syncOperations.addHandler(Forwarder(to: outbound, link: link, fromServer: false))
                    try outbound.pipeline.syncOperations.addHandler(Forwarder(to: inbound, link: link, fromServer: true))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return CuttableRelay(port: listener.localAddress?.port ?? 0, listener: listener, link: link)
    }

    /// Cuts the link (true) or brings it back (false); connections opened meanwhile stay open.
    func setCut(_ cut: Bool) {
        link.isCut = cut
    }

    /// Lets `bytes` more of the server's bytes through, then drops the rest (nil: all pass
    /// again); what the clients send still passes.
    func cutAnswers(after bytes: Int?) {
        link.cutAnswers(after: bytes)
    }

    /// Holds each of the server's answers back `delay` before passing it on, in order.
    func delayAnswers(by delay: TimeAmount) {
        link.answerDelay = delay
    }

    func stop() async {
        try? await listener.close()
    }

    /// Writes what one side reads to the other, as far as the link lets it; closes the other side
    /// when this one closes.
    private final class Forwarder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let partner: any Channel
        let link: Link
        let fromServer: Bool

        init(to partner: any Channel, link: Link, fromServer: Bool) {
            self.partner = partner
            self.link = link
            self.fromServer = fromServer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            let passing = link.passing(bytes.readableBytes, fromServer: fromServer)
            guard passing > 0, let slice = bytes.readSlice(length: passing) else { return }
            let delay = fromServer ? link.answerDelay : .zero
            guard delay > .zero else {
                partner.writeAndFlush(slice, promise: nil)
                return
            }
            // Both channels share one event loop, whose timers fire in deadline order.
            let partner = partner
            partner.eventLoop.scheduleTask(in: delay) { partner.writeAndFlush(slice, promise: nil) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            partner.close(promise: nil)
        }
    }
}
