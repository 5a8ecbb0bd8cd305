import Logging
import NIOCore
import RunhooksCore

/// Decodes the frames arriving on one gossip connection and hands each message on. A bad
/// frame, or one whose MAC does not verify under the cluster key, closes the connection with a
/// log line (and, for a bad MAC, a count); the node itself is untouched.
final class GossipInboundHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var decoder = WireFrameDecoder()
    private let key: ClusterKey
    private let logger: Logger
    private let rejected: @Sendable () -> Void
    private let deliver: @Sendable (GossipMessage) -> Void

    init(
        key: ClusterKey, logger: Logger, rejected: @escaping @Sendable () -> Void,
        deliver: @escaping @Sendable (GossipMessage) -> Void
    ) {
        self.key = key
        self.logger = logger
        self.rejected = rejected
        self.deliver = deliver
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do {
            for sealed in try decoder.feed(buffer.readableBytesView) {
                guard key.verifies(sealed) else {
                    rejected()
                    logger.warning(
                        "dropping a gossip frame from \(context.remoteAddress?.description ?? "?") whose MAC does not verify: is --cluster-key the same on every node?")
                    context.close(promise: nil)
                    return
                }
                deliver(try GossipMessage(frame: sealed.frame))
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
