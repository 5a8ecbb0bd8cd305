import Foundation

/// Where a request came from: the connecting peer's address, unless the peer is a proxy the
/// operator trusts (`--trusted-proxies`); then the nearest address in its forwarding header
/// (`X-Forwarded-For`, or `Forwarded` with `--forwarding-header forwarded`) that is not itself a
/// trusted proxy. A client can write anything into that header, so only the hops added by
/// trusted proxies are believed, read from the right.
public enum ClientAddress {
    public static func resolve(
        peer: String, headerValues: [String], trustedProxies: [IPNetwork], header: ForwardingHeader = .xForwardedFor
    ) -> String {
        func trusted(_ address: IPAddress) -> Bool { trustedProxies.contains { $0.contains(address) } }
        // Without trusted proxies (the default) the peer is the client: nothing to parse.
        guard !trustedProxies.isEmpty, let peerAddress = IPAddress(host: peer), trusted(peerAddress) else { return peer }
        var client = peer
        for hop in header.hops(in: headerValues).reversed() {
            // A hop that is not an address ("unknown", a port): the last one that was stands.
            guard let address = IPAddress(host: hop) else { return client }
            client = address.unmapped.description
            if !trusted(address) { return client }
        }
        return client
    }
}
