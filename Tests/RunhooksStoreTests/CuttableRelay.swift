import NIOCore
import NIOPosix
import Synchronization

/// A TCP relay in front of a server that a test can cut the way a link that went down is cut:
/// from then on the bytes sent either way are dropped, and no connection is closed or reset.
final class CuttableRelay: Sendable {
    let port: Int
    private let listener: any Channel
    private let link: Link

    final class Link: Sendable {
        private let cut = Mutex(false)
        var isCut: Bool {
            get { cut.withLock { $0 } }
            set { cut.withLock { $0 = newValue } }
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
                    try inbound.pipeline.syncOperations.addHandler(Forwarder(to: outbound, link: link))
                    try outbound.pipeline.syncOperations.addHandler(Forwarder(to: inbound, link: link))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return CuttableRelay(port: listener.localAddress?.port ?? 0, listener: listener, link: link)
    }

    /// Cuts the link (true) or brings it back (false); connections opened meanwhile stay open.
    func setCut(_ cut: Bool) {
        link.isCut = cut
    }

    func stop() async {
        try? await listener.close()
    }

    /// Writes what one side reads to the other, unless the link is cut; closes the other side
    /// when this one closes.
    private final class Forwarder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let partner: any Channel
        let link: Link

        init(to partner: any Channel, link: Link) {
            self.partner = partner
            self.link = link
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !link.isCut else { return }
            partner.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            partner.close(promise: nil)
        }
    }
}
