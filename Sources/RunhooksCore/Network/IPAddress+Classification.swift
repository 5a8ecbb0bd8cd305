extension IPAddress {
    /// Why a request must not be sent to this address, or nil for a public unicast address.
    public var nonPublicReason: String? {
        switch self {
        case .v4(let value): return Self.ipv4Reason(value)
        case .v6(let bytes): return Self.ipv6Reason(bytes)
        }
    }

    private static let ipv4Blocks: [(UInt32, Int, String)] = [
        (0x0000_0000, 8, "an unspecified address"),
        (0x0A00_0000, 8, "a private address"),
        (0x6440_0000, 10, "a carrier-grade NAT address"),
        (0x7F00_0000, 8, "a loopback address"),
        (0xA9FE_0000, 16, "a link-local address"),
        (0xAC10_0000, 12, "a private address"),
        (0xC000_0000, 24, "a reserved address"),
        (0xC000_0200, 24, "a documentation address"),
        (0xC058_6300, 24, "a reserved address"),
        (0xC0A8_0000, 16, "a private address"),
        (0xC612_0000, 15, "a benchmarking address"),
        (0xC633_6400, 24, "a documentation address"),
        (0xCB00_7100, 24, "a documentation address"),
        (0xE000_0000, 4, "a multicast address"),
        (0xF000_0000, 4, "a reserved address"),
    ]

    private static func ipv4Reason(_ value: UInt32) -> String? {
        for (network, prefix, reason) in ipv4Blocks {
            let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
            if value & mask == network { return reason }
        }
        return nil
    }

    private static func ipv6Reason(_ bytes: [UInt8]) -> String? {
        let embeddedV4 = UInt32(bytes[12]) << 24 | UInt32(bytes[13]) << 16 | UInt32(bytes[14]) << 8 | UInt32(bytes[15])
        if bytes.allSatisfy({ $0 == 0 }) { return "an unspecified address" }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return "a loopback address" }
        // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible) and 64:ff9b::a.b.c.d (NAT64) carry IPv4.
        if case .v4(let mapped) = IPAddress.v6(bytes).unmapped { return ipv4Reason(mapped) }
        if bytes[0..<12].allSatisfy({ $0 == 0 }) { return "an IPv4-compatible address" }
        if bytes[0] == 0x00, bytes[1] == 0x64, bytes[2] == 0xFF, bytes[3] == 0x9B, bytes[4..<12].allSatisfy({ $0 == 0 }) {
            return ipv4Reason(embeddedV4)
        }
        if bytes[0] == 0x20, bytes[1] == 0x02 {  // 6to4 embeds an IPv4 address in bytes 2...5
            let sixToFour = UInt32(bytes[2]) << 24 | UInt32(bytes[3]) << 16 | UInt32(bytes[4]) << 8 | UInt32(bytes[5])
            if let reason = ipv4Reason(sixToFour) { return reason }
        }
        if bytes[0] == 0xFF { return "a multicast address" }
        if bytes[0] == 0xFE, bytes[1] & 0xC0 == 0x80 { return "a link-local address" }
        if bytes[0] == 0xFE, bytes[1] & 0xC0 == 0xC0 { return "a site-local address" }
        if bytes[0] & 0xFE == 0xFC { return "a private address" }
        if bytes[0] == 0x20, bytes[1] == 0x01, bytes[2] == 0x0D, bytes[3] == 0xB8 { return "a documentation address" }
        if bytes[0] == 0x01, bytes[1] == 0x00, bytes[2..<8].allSatisfy({ $0 == 0 }) { return "a discard-only address" }
        if bytes[0] == 0x20, bytes[1] == 0x01, bytes[2] == 0x00, bytes[3] == 0x00 { return "a Teredo address" }
        if bytes[0] & 0xE0 != 0x20 { return "a reserved address" }
        return nil
    }
}
