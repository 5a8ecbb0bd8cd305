#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NIOCore
import NIOHTTP1
import NIOTLS

/// The answer to one request on a connection: its head, its body (up to the capture limit),
/// and whether the connection can carry another request.
struct HTTPExchange: Sendable {
    var head: HTTPResponseHead
    var body: ByteBuffer
    var truncated: Bool
    /// From the request written to the first byte of the answer.
    var firstByteMs: Double
    var reusable: Bool
    /// When the request was written.
    var writtenAt: NIODeadline
}

enum HTTPExchangeError: Error {
    case timeout
    /// Closed before a byte of the answer came.
    case closedBeforeAnswer
    /// Reset before a byte of the answer came.
    case resetBeforeAnswer
    /// Closed after part of the answer.
    case closedMidAnswer
    case connect(any Error)
    case tls(any Error)
    case failed(any Error)
    case shutDown
}

/// The last handler of a delivery connection: it gathers the answer to the request in flight
/// and completes that request's promise. Confined to the channel's event loop.
final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private var promise: EventLoopPromise<HTTPExchange>?
    private var limit = 0
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()
    private var writtenAt = NIODeadline.now()
    private var firstByteAt: NIODeadline?

    /// Takes the next request's promise; called on the event loop just before the request is written.
    func expect(_ promise: EventLoopPromise<HTTPExchange>, captureLimit: Int) {
        self.promise = promise
        limit = captureLimit
        head = nil
        body.clear()
        writtenAt = .now()
        firstByteAt = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard promise != nil else {
            // An answer nobody asked for: the connection is out of step.
            context.close(promise: nil)
            return
        }
        if firstByteAt == nil { firstByteAt = .now() }
        switch unwrapInboundIn(data) {
        case .head(let received):
            // 1xx answers are interim; the real one follows.
            if (100..<200).contains(received.status.code) && received.status.code != 101 { return }
            head = received
        case .body(var chunk):
            let room = limit - body.readableBytes
            if chunk.readableBytes > room {
                if let part = chunk.readSlice(length: room) { body.writeImmutableBuffer(part) }
                complete(truncated: true, reusable: false)
                context.close(promise: nil)
                return
            }
            body.writeImmutableBuffer(chunk)
        case .end:
            guard let head else { return }
            complete(truncated: false, reusable: head.isKeepAlive)
        }
    }

    private func complete(truncated: Bool, reusable: Bool) {
        guard let promise, let head else { return }
        self.promise = nil
        let firstByteMs = Double((firstByteAt ?? .now()).uptimeNanoseconds &- writtenAt.uptimeNanoseconds) / 1e6
        promise.succeed(
            HTTPExchange(
                head: head, body: body, truncated: truncated, firstByteMs: (firstByteMs * 100).rounded() / 100,
                reusable: reusable, writtenAt: writtenAt))
    }

    var firstByteMsSoFar: Double? {
        firstByteAt.map { Double($0.uptimeNanoseconds &- writtenAt.uptimeNanoseconds) / 1e6 }
    }

    func fail(_ error: HTTPExchangeError) {
        promise?.fail(error)
        promise = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(firstByteAt == nil ? .closedBeforeAnswer : .closedMidAnswer)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reset = (error as? IOError)?.errnoCode == ECONNRESET
        fail(reset && firstByteAt == nil ? .resetBeforeAnswer : .failed(error))
        context.close(promise: nil)
    }
}

extension HTTPExchangeError {
    /// The connection ended before a byte of the answer came. On a kept-alive connection this
    /// is the target closing it (or resetting it, the request unread) as the request went out:
    /// the target did not take the request.
    var endedBeforeAnswer: Bool {
        switch self {
        case .closedBeforeAnswer, .resetBeforeAnswer: true
        default: false
        }
    }
}

/// Completes a promise when the TLS handshake is done (or fails with the reason it did not).
final class TLSHandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private var promise: EventLoopPromise<Void>?

    init(_ promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            promise?.succeed()
            promise = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise?.fail(error)
        promise = nil
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise?.fail(HTTPExchangeError.closedBeforeAnswer)
        promise = nil
        context.fireChannelInactive()
    }
}
