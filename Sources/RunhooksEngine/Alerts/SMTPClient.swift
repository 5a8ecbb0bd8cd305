import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import RunhooksCore

/// Where email alerts go: parsed from `--smtp-url` (`smtp://user:pass@host:port`, or
/// `smtps://` for TLS from the first byte).
public struct SMTPConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var implicitTLS: Bool
    public var username: String?
    public var password: String?
    public var from: String

    public init(url: String, from: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps", let host = components.host, !host.isEmpty
        else { throw SMTPError("--smtp-url must look like smtp://user:pass@host:port or smtps://…, got '\(url)'") }
        self.host = host
        implicitTLS = scheme == "smtps"
        port = components.port ?? (implicitTLS ? 465 : 25)
        username = components.user?.removingPercentEncoding
        password = components.password?.removingPercentEncoding
        self.from = from
    }
}

public struct SMTPError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A small SMTP client on SwiftNIO: EHLO, STARTTLS when offered (or TLS from the start),
/// AUTH PLAIN or LOGIN when credentials are given, one message per connection.
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    public let timeout: Duration

    public init(configuration: SMTPConfiguration, timeout: Duration = .seconds(20)) {
        self.configuration = configuration
        self.timeout = timeout
    }

    /// Sends one message. A slow server is cut off by closing the connection at the timeout
    /// (never by cancelling the task that owns the channel, which must close it itself).
    public func send(_ message: EmailMessage) async throws {
        let connection = Connection()
        let timeout = self.timeout
        let watchdog = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            connection.timeOut()
        }
        defer { watchdog.cancel() }
        do {
            try await deliver(message, connection: connection)
        } catch {
            if connection.timedOut { throw SMTPError("SMTP server did not finish within \(timeout)") }
            throw error
        }
    }

    /// The channel of one send and whether its time ran out: whichever comes second of the
    /// two closes the channel, so a connection made after the timeout is cut off too.
    private final class Connection: Sendable {
        private let state = NIOLockedValueBox<(channel: (any Channel)?, timedOut: Bool)>((nil, false))

        var timedOut: Bool { state.withLockedValue { $0.timedOut } }

        func timeOut() {
            let channel = state.withLockedValue { state -> (any Channel)? in
                state.timedOut = true
                return state.channel
            }
            channel?.close(promise: nil)
        }

        func connected(_ channel: any Channel) {
            let late = state.withLockedValue { state -> Bool in
                state.channel = channel
                return state.timedOut
            }
            if late { channel.close(promise: nil) }
        }
    }

    private static let sharedTLSContext = NIOLockedValueBox<NIOSSLContext?>(nil)

    /// Made outside the lock (it reads the system's trust store); the first one kept wins.
    static func tlsContext() throws -> NIOSSLContext {
        if let context = sharedTLSContext.withLockedValue({ $0 }) { return context }
        let made = try NIOSSLContext(configuration: .makeClientConfiguration())
        return sharedTLSContext.withLockedValue { context in
            if let context { return context }
            context = made
            return made
        }
    }

    private func deliver(_ message: EmailMessage, connection: Connection) async throws {
        let configuration = self.configuration
        // SNI carries names only; for an address literal the certificate chain is still checked.
        let serverName: String? = IPAddress(host: configuration.host) == nil ? configuration.host : nil
        // Loading the trust roots takes long on a busy machine: done once, and only when TLS is used.
        let tls = configuration.implicitTLS ? try Self.tlsContext() : nil
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                    return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        connection.connected(channel.channel)
        try await channel.executeThenClose { inbound, outbound in
            var replies = inbound.makeAsyncIterator()
            func expect(_ codes: Set<Int>, after command: String) async throws -> SMTPReply {
                guard let reply = try await replies.next() else { throw SMTPError("connection closed after \(command)") }
                guard codes.contains(reply.code) else {
                    throw SMTPError("\(command) refused: \(reply.code) \(reply.lines.joined(separator: " "))")
                }
                return reply
            }
            func send(_ line: String, expecting codes: Set<Int>, shownAs shown: String? = nil) async throws -> SMTPReply {
                do {
                    try await outbound.write(ByteBuffer(string: line + "\r\n"))
                } catch {
                    // The connection failed under the write (a refused TLS handshake, say): the
                    // inbound side carries the reason, which says more than "closed channel".
                    _ = try await replies.next()
                    throw error
                }
                return try await expect(codes, after: shown ?? String(line.prefix(while: { $0 != " " })))
            }
            _ = try await expect([220], after: "greeting")
            var hello = try await send("EHLO runhooks", expecting: [250])
            if !configuration.implicitTLS, hello.offers("STARTTLS") {
                _ = try await send("STARTTLS", expecting: [220])
                let connection = channel.channel
                let tls = try Self.tlsContext()
                try await connection.eventLoop.submit {
                    try connection.pipeline.syncOperations.addHandler(
                        NIOSSLClientHandler(context: tls, serverHostname: serverName), position: .first)
                }.get()
                hello = try await send("EHLO runhooks", expecting: [250])
            }
            if let username = configuration.username, let password = configuration.password {
                if hello.offers("AUTH", parameter: "PLAIN") || !hello.offers("AUTH", parameter: "LOGIN") {
                    let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
                    _ = try await send("AUTH PLAIN \(token)", expecting: [235], shownAs: "AUTH PLAIN")
                } else {
                    _ = try await send("AUTH LOGIN", expecting: [334])
                    _ = try await send(Data(username.utf8).base64EncodedString(), expecting: [334], shownAs: "AUTH LOGIN user")
                    _ = try await send(Data(password.utf8).base64EncodedString(), expecting: [235], shownAs: "AUTH LOGIN password")
                }
            }
            _ = try await send("MAIL FROM:<\(message.from)>", expecting: [250])
            for recipient in message.to { _ = try await send("RCPT TO:<\(recipient)>", expecting: [250, 251]) }
            _ = try await send("DATA", expecting: [354])
            try await outbound.write(ByteBuffer(string: message.rendered() + "\r\n.\r\n"))
            _ = try await expect([250], after: "message data")
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
        }
    }
}

/// One (possibly multi-line) SMTP reply.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]

    /// Whether an EHLO reply advertises an extension (and, optionally, one of its parameters).
    func offers(_ keyword: String, parameter: String? = nil) -> Bool {
        lines.contains { line in
            let words = line.uppercased().split(separator: " ")
            guard words.first == Substring(keyword) else { return false }
            return parameter.map { words.dropFirst().contains(Substring($0)) } ?? true
        }
    }
}

/// Splits the byte stream into replies: `250-first`, `250-more`, `250 last`.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    private var pending: [String] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return .needMoreData }
        let length = newline - buffer.readerIndex + 1
        guard var line = buffer.readString(length: length) else { return .needMoreData }
        line = line.trimmingCharacters(in: .newlines)
        guard line.count >= 3, let code = Int(line.prefix(3)) else { throw SMTPError("malformed SMTP reply: \(line)") }
        let separator = line.dropFirst(3).first
        pending.append(String(line.dropFirst(4)))
        if separator != "-" {
            context.fireChannelRead(wrapInboundOut(SMTPReply(code: code, lines: pending)))
            pending = []
        }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
