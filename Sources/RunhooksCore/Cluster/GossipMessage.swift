/// The messages of the gossip protocol (docs/PROTOCOL.md), with their payload encoding.
public enum GossipMessage: Sendable, Equatable {
    /// `view` is the sender's `Membership.viewDigest`; a receiver whose own differs syncs with it.
    case ping(from: String, sequence: UInt64, view: UInt64 = 0, updates: [Membership.Update])
    case ack(from: String, sequence: UInt64, view: UInt64 = 0, updates: [Membership.Update])
    case pingRequest(from: String, target: String, sequence: UInt64)
    case join(Membership.Update)
    case sync([Membership.Update])
    case leave(Membership.Update)

    public var frame: WireFrame {
        var writer = WireWriter()
        switch self {
        case .ping(let from, let sequence, let view, let updates):
            writer.write(from)
            writer.write(sequence)
            writer.write(view)
            Self.write(updates, to: &writer)
            return WireFrame(kind: .ping, payload: writer.bytes)
        case .ack(let from, let sequence, let view, let updates):
            writer.write(from)
            writer.write(sequence)
            writer.write(view)
            Self.write(updates, to: &writer)
            return WireFrame(kind: .ack, payload: writer.bytes)
        case .pingRequest(let from, let target, let sequence):
            writer.write(from)
            writer.write(target)
            writer.write(sequence)
            return WireFrame(kind: .pingRequest, payload: writer.bytes)
        case .join(let update):
            Self.write([update], to: &writer)
            return WireFrame(kind: .join, payload: writer.bytes)
        case .sync(let updates):
            Self.write(updates, to: &writer)
            return WireFrame(kind: .sync, payload: writer.bytes)
        case .leave(let update):
            Self.write([update], to: &writer)
            return WireFrame(kind: .leave, payload: writer.bytes)
        }
    }

    public init(frame: WireFrame) throws(WireError) {
        var reader = WireReader(frame.payload)
        switch frame.kind {
        case .ping:
            self = .ping(
                from: try reader.readString(), sequence: try reader.readUInt64(), view: try reader.readUInt64(),
                updates: try Self.readUpdates(&reader))
        case .ack:
            self = .ack(
                from: try reader.readString(), sequence: try reader.readUInt64(), view: try reader.readUInt64(),
                updates: try Self.readUpdates(&reader))
        case .pingRequest:
            self = .pingRequest(from: try reader.readString(), target: try reader.readString(), sequence: try reader.readUInt64())
        case .join:
            guard let update = try Self.readUpdates(&reader).first else { throw .truncated("join without a member") }
            self = .join(update)
        case .sync:
            self = .sync(try Self.readUpdates(&reader))
        case .leave:
            guard let update = try Self.readUpdates(&reader).first else { throw .truncated("leave without a member") }
            self = .leave(update)
        }
        guard reader.isAtEnd else { throw .truncated("trailing bytes after the message") }
    }

    static func write(_ updates: [Membership.Update], to writer: inout WireWriter) {
        writer.write(UInt8(min(updates.count, 255)))
        for update in updates.prefix(255) {
            writer.write(update.id)
            writer.write(update.address)
            writer.write(update.status.rawValue)
            writer.write(update.incarnation)
            writer.write(update.httpURL)
        }
    }

    static func readUpdates(_ reader: inout WireReader) throws(WireError) -> [Membership.Update] {
        let count = Int(try reader.readByte())
        var updates: [Membership.Update] = []
        for _ in 0..<count {
            let id = try reader.readString()
            let address = try reader.readString()
            let statusByte = try reader.readByte()
            guard let status = Membership.Status(rawValue: statusByte) else { throw .truncated("member status \(statusByte)") }
            let incarnation = try reader.readUInt64()
            updates.append(
                Membership.Update(
                    id: id, address: address, status: status, incarnation: incarnation, httpURL: try reader.readString()))
        }
        return updates
    }
}
