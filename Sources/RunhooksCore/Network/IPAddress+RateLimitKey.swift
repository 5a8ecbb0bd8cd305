extension IPAddress {
    /// The key per-address rate limits count a client under: an IPv4 address as it is; an IPv6
    /// address by its /64 network, since one host or site is handed a whole /64 and could
    /// otherwise take a new address for every request; an IPv4 address carried in IPv6
    /// (`::ffff:a.b.c.d`) as that IPv4 address. Anything else (no address) as it is.
    public static func rateLimitKey(forClient address: String) -> String {
        guard let parsed = IPAddress(host: address)?.unmapped else { return address }
        guard case .v6(let bytes) = parsed else { return parsed.description }
        return IPAddress.v6(Array(bytes[0..<8]) + Array(repeating: 0, count: 8)).description + "/64"
    }
}
