/// An address block in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`), or one address.
public struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(host: String(parts[0])).map(\.unmapped) else { return nil }
        let bits: Int
        switch address {
        case .v4: bits = 32
        case .v6: bits = 128
        }
        guard let prefix = parts.count == 2 ? Int(parts[1]) : bits, (0...bits).contains(prefix) else { return nil }
        self.address = address
        prefixLength = prefix
    }

    /// Whether `other` (an IPv4 address carried in IPv6 counting as IPv4) is in this block.
    public func contains(_ other: IPAddress) -> Bool {
        switch (address, other.unmapped) {
        case (.v4(let network), .v4(let value)):
            let mask: UInt32 = prefixLength == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefixLength)
            return network & mask == value & mask
        case (.v6(let network), .v6(let value)):
            for index in 0..<16 {
                let bits = min(8, max(0, prefixLength - index * 8))
                let mask: UInt8 = bits == 0 ? 0 : ~UInt8(0) << UInt8(8 - bits)
                if network[index] & mask != value[index] & mask { return false }
            }
            return true
        default:
            return false
        }
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
