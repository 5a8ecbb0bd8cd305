/// Writes the fields of a gossip payload: big-endian integers and length-prefixed UTF-8.
public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(value >> UInt64(shift) & 0xFF)) }
    }

    public mutating func write(_ text: String) {
        let utf8 = Array(text.utf8)
        write(UInt8(clamping: min(utf8.count, 255)))
        bytes += utf8.prefix(255)
    }
}

/// Reads what `WireWriter` wrote; every read checks that the bytes are there.
public struct WireReader: Sendable {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var isAtEnd: Bool { offset == bytes.count }

    public mutating func readByte() throws(WireError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated("byte at \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readUInt64() throws(WireError) -> UInt64 {
        guard offset + 8 <= bytes.count else { throw .truncated("integer at \(offset)") }
        var value: UInt64 = 0
        for index in offset..<offset + 8 { value = value << 8 | UInt64(bytes[index]) }
        offset += 8
        return value
    }

    public mutating func readString() throws(WireError) -> String {
        let length = Int(try readByte())
        guard offset + length <= bytes.count else { throw .truncated("string at \(offset)") }
        defer { offset += length }
        return String(decoding: bytes[offset..<offset + length], as: UTF8.self)
    }
}
