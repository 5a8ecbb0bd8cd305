import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, parsed from any spelling a URL host or a resolver may use.
public enum IPAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt8])

    /// Parses a host as an address literal the way `inet_aton` and URL parsers do:
    /// `127.0.0.1`, `127.1`, `0x7f000001`, `2130706433`, `0177.0.0.1`, `[::1]`, `::ffff:127.0.0.1`.
    public init?(host: String) {
        var text = host
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if text.hasSuffix("."), !text.contains(":") { text = String(text.dropLast()) }
        if text.contains(":") {
            if let zone = text.firstIndex(of: "%") { text = String(text[..<zone]) }
            var storage = in6_addr()
            guard inet_pton(AF_INET6, text, &storage) == 1 else { return nil }
            self = .v6(withUnsafeBytes(of: &storage) { Array($0) })
            return
        }
        guard let value = Self.parseIPv4(text) else { return nil }
        self = .v4(value)
    }

    /// `inet_aton` rules: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x); the last
    /// part fills the remaining bytes.
    static func parseIPv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var numbers: [UInt64] = []
        for part in parts {
            let lower = part.lowercased()
            let value: UInt64?
            if lower.hasPrefix("0x") {
                value = lower.count == 2 ? 0 : UInt64(lower.dropFirst(2), radix: 16)
            } else if lower.count > 1, lower.hasPrefix("0") {
                value = UInt64(lower.dropFirst(), radix: 8)
            } else {
                value = lower.isEmpty ? nil : UInt64(lower, radix: 10)
            }
            guard let value else { return nil }
            numbers.append(value)
        }
        let leading = numbers.dropLast()
        guard leading.allSatisfy({ $0 <= 0xFF }) else { return nil }
        let remainingBytes = 4 - leading.count
        guard let last = numbers.last, last < (UInt64(1) << (8 * UInt64(remainingBytes))) else { return nil }
        var result: UInt64 = 0
        for (index, byte) in leading.enumerated() {
            result |= byte << UInt64(8 * (3 - index))
        }
        return UInt32(result | last)
    }

    public var description: String {
        switch self {
        case .v4(let value):
            return "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
        case .v6(let bytes):
            let groups = stride(from: 0, to: 16, by: 2).map { Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]) }
            var bestStart = -1
            var bestLength = 1
            var index = 0
            while index < 8 {
                var end = index
                while end < 8, groups[end] == 0 { end += 1 }
                if end - index > bestLength {
                    bestStart = index
                    bestLength = end - index
                }
                index = max(end, index + 1)
            }
            let hex = groups.map { String($0, radix: 16) }
            guard bestStart >= 0 else { return hex.joined(separator: ":") }
            let head = hex[..<bestStart].joined(separator: ":")
            let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
            return head + "::" + tail
        }
    }
}

extension IPAddress {
    /// An IPv4 address carried in IPv6 (`::ffff:a.b.c.d`) as that IPv4 address; any other as it is.
    public var unmapped: IPAddress {
        guard case .v6(let bytes) = self, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF
        else { return self }
        return .v4(bytes[12...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }
}
