import Logging
import NIOCore
import RunhooksCore

/// Decodes the frames arriving on one gossip connection and hands each message on. A bad
/// frame closes the connection with a log line; the node itself is untouched.
final class GossipInboundHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var decoder = WireFrameDecoder()
    private let logger: Logger
    private let deliver: @Sendable (GossipMessage) -> Void

    init(logger: Logger, deliver: @escaping @Sendable (GossipMessage) -> Void) {
        self.logger = logger
        self.deliver = deliver
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do {
            for frame in try decoder.feed(buffer.readableBytesView) {
                deliver(try GossipMessage(frame: frame))
            }
        } catch {
            logger.notice("closing a gossip connection from \(context.remoteAddress?.description ?? "?"): \(error)")
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
