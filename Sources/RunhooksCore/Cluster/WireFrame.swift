/// The framing of the cluster's gossip protocol (docs/PROTOCOL.md): every message is
///
///     magic "RHGP" (4 bytes) | version (1) | type (1) | payload length (4, big-endian) | payload
///     | MAC (32 bytes: HMAC-SHA256 of everything before it, under the cluster key)
///
/// A peer that sends a wrong magic or version, an unknown type, or a length over
/// `maxPayload` is answered by closing the connection; so is one whose MAC does not verify
/// (checked by the transport, which holds the key).
public struct WireFrame: Sendable, Equatable {
    public static let magic: [UInt8] = Array("RHGP".utf8)
    public static let version: UInt8 = 2
    public static let headerLength = 10
    public static let macLength = 32
    public static let maxPayload = 1 << 20

    /// A frame as received: its MAC is still to be checked against `frame.encoded()`.
    public struct Sealed: Sendable, Equatable {
        public var frame: WireFrame
        public var mac: [UInt8]
    }

    public enum Kind: UInt8, Sendable, CaseIterable {
        case ping = 1
        case ack = 2
        case pingRequest = 3
        case join = 4
        case sync = 5
        case leave = 6
    }

    public var kind: Kind
    public var payload: [UInt8]

    public init(kind: Kind, payload: [UInt8]) {
        self.kind = kind
        self.payload = payload
    }

    /// Header and payload: the bytes the MAC covers.
    public func encoded() -> [UInt8] {
        var bytes = Self.magic
        bytes.append(Self.version)
        bytes.append(kind.rawValue)
        let length = UInt32(payload.count)
        bytes += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
        return bytes + payload
    }

    /// The frame as sent: header, payload, then `mac(header and payload)`.
    public func sealed(with mac: ([UInt8]) -> [UInt8]) -> [UInt8] {
        let bytes = encoded()
        return bytes + mac(bytes)
    }
}

public enum WireError: Error, Sendable, Equatable, CustomStringConvertible {
    case badMagic
    case unsupportedVersion(UInt8)
    case unknownKind(UInt8)
    case oversize(Int)
    case truncated(String)

    public var description: String {
        switch self {
        case .badMagic: "not a Runhooks gossip frame (bad magic)"
        case .unsupportedVersion(let version): "unsupported protocol version \(version)"
        case .unknownKind(let kind): "unknown message type \(kind)"
        case .oversize(let length): "frame of \(length) bytes exceeds the \(WireFrame.maxPayload)-byte limit"
        case .truncated(let what): "truncated payload: \(what)"
        }
    }
}

/// Cuts a byte stream into frames. Feed it whatever arrived; it keeps partial frames.
public struct WireFrameDecoder: Sendable {
    private var buffer: [UInt8] = []

    public init() {}

    /// Bytes held back waiting for the rest of a frame.
    public var pendingBytes: Int { buffer.count }

    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(WireError) -> [WireFrame.Sealed] {
        buffer.append(contentsOf: bytes)
        var frames: [WireFrame.Sealed] = []
        var offset = 0
        while buffer.count - offset >= WireFrame.headerLength {
            guard buffer[offset..<offset + 4].elementsEqual(WireFrame.magic) else { throw .badMagic }
            let version = buffer[offset + 4]
            guard version == WireFrame.version else { throw .unsupportedVersion(version) }
            let kindByte = buffer[offset + 5]
            guard let kind = WireFrame.Kind(rawValue: kindByte) else { throw .unknownKind(kindByte) }
            let length = Int(buffer[offset + 6]) << 24 | Int(buffer[offset + 7]) << 16 | Int(buffer[offset + 8]) << 8
                | Int(buffer[offset + 9])
            guard length <= WireFrame.maxPayload else { throw .oversize(length) }
            let payloadEnd = offset + WireFrame.headerLength + length
            let end = payloadEnd + WireFrame.macLength
            guard buffer.count >= end else { break }
            frames.append(
                WireFrame.Sealed(
                    frame: WireFrame(kind: kind, payload: Array(buffer[(offset + WireFrame.headerLength)..<payloadEnd])),
                    mac: Array(buffer[payloadEnd..<end])))
            offset = end
        }
        buffer.removeFirst(offset)
        return frames
    }
}
