/// Where the time of one HTTP attempt went, in milliseconds. A phase that did not happen is
/// nil: no DNS for a literal address, no connect or TLS on a reused connection, no TLS for
/// plain http, no first byte when nothing came back.
public struct ExecutionTiming: Sendable, Equatable {
    /// Resolving the target's host name.
    public var dnsMs: Double?
    /// Opening the TCP connection.
    public var connectMs: Double?
    /// The TLS handshake.
    public var tlsMs: Double?
    /// From the request written to the first byte of the answer (the target's think time).
    public var firstByteMs: Double?
    /// The whole attempt, from its start to the last byte of the answer (or the failure).
    public var totalMs: Double

    public init(dnsMs: Double? = nil, connectMs: Double? = nil, tlsMs: Double? = nil, firstByteMs: Double? = nil, totalMs: Double) {
        self.dnsMs = dnsMs
        self.connectMs = connectMs
        self.tlsMs = tlsMs
        self.firstByteMs = firstByteMs
        self.totalMs = totalMs
    }
}
