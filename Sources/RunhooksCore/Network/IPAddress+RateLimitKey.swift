extension IPAddress {
    /// The key per-address rate limits count a client under: an IPv4 address as it is; an IPv6
    /// address by its /64 network, since one host or site is handed a whole /64 and could
    /// otherwise take a new address for every request; an IPv4 address carried in IPv6
    /// (`::ffff:a.b.c.d`) as that IPv4 address. Anything else (no address) as it is.
    public static func rateLimitKey(forClient address: String) -> String {
        guard let parsed = IPAddress(host: address) else { return address }
        guard case .v6(let bytes) = parsed else { return parsed.description }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            let value = bytes[12...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return IPAddress.v4(value).description
        }
        return IPAddress.v6(Array(bytes[0..<8]) + Array(repeating: 0, count: 8)).description + "/64"
    }
}
