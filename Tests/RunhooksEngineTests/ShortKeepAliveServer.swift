import NIOCore
import NIOPosix
import Synchronization

/// A raw HTTP/1.1 target that answers every request `200 ok` with keep-alive, then closes the
/// connection `closeAfter` later, as a server with a short keep-alive timeout does. With
/// `resetsSecondRequest`, it instead resets a connection when a second request comes on it, as
/// a server does that closes an idle connection with the request unread. Counts the
/// connections it accepted.
final class ShortKeepAliveServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let tally: Tally

    var connections: Int { tally.count.withLock { $0 } }

    private init(port: Int, channel: any Channel, tally: Tally) {
        self.port = port
        self.channel = channel
        self.tally = tally
    }

    static func start(closeAfter: TimeAmount, resetsSecondRequest: Bool = false) async throws -> ShortKeepAliveServer {
        let tally = Tally()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                tally.count.withLock { $0 += 1 }
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(
                        Answerer(closeAfter: closeAfter, resetsSecondRequest: resetsSecondRequest))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ShortKeepAliveServer(port: channel.localAddress?.port ?? 0, channel: channel, tally: tally)
    }

    func stop() async {
        try? await channel.close()
    }

    private final class Tally: Sendable {
        let count = Mutex(0)
    }

    private final class Answerer: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let closeAfter: TimeAmount
        let resetsSecondRequest: Bool
        var received = ""
        var answered = 0

        init(closeAfter: TimeAmount, resetsSecondRequest: Bool) {
            self.closeAfter = closeAfter
            self.resetsSecondRequest = resetsSecondRequest
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += String(buffer: unwrapInboundIn(data))
            while let end = received.range(of: "\r\n\r\n") {
                received.removeSubrange(..<end.upperBound)
                if resetsSecondRequest && answered == 1 {
                    // A zero linger time makes the close a reset.
                    let channel = context.channel
                    guard let socket = channel as? any SocketOptionProvider else { return }
                    socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
                    return
                }
                answered += 1
                let answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer)), promise: nil)
                guard !resetsSecondRequest else { continue }
                let channel = context.channel
                context.eventLoop.scheduleTask(in: closeAfter) { channel.close(promise: nil) }
            }
        }
    }
}
