import Foundation

/// Makes 24-hex-character ids shaped like MongoDB ObjectIds: 4 bytes of seconds since the
/// epoch, 5 random bytes chosen once per process, and a 3-byte counter.
public final class ObjectIDGenerator: @unchecked Sendable {
    private let lock = NSLock()
    private let processBytes: [UInt8]
    private var counter: UInt32

    public init() {
        var random = SystemRandomNumberGenerator()
        processBytes = (0..<5).map { _ in UInt8.random(in: 0...255, using: &random) }
        counter = UInt32.random(in: 0..<0xFF_FFFF, using: &random)
    }

    public func next(at date: Date = Date()) -> String {
        let count = lock.withLock { () -> UInt32 in
            counter = (counter + 1) & 0xFF_FFFF
            return counter
        }
        let seconds = UInt32(truncatingIfNeeded: Int64(date.timeIntervalSince1970))
        var bytes: [UInt8] = [
            UInt8(seconds >> 24), UInt8(seconds >> 16 & 0xFF), UInt8(seconds >> 8 & 0xFF), UInt8(seconds & 0xFF),
        ]
        bytes += processBytes
        bytes += [UInt8(count >> 16), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
        return bytes.hexString
    }

    /// Whether `text` has the shape of an id (24 lowercase hex characters).
    public static func isValid(_ text: String) -> Bool {
        text.utf8.count == 24 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

extension Sequence where Element == UInt8 {
    public var hexString: String {
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(hexDigit(byte >> 4))
            out.append(hexDigit(byte & 0x0F))
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }
}
