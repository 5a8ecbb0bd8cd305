import RunhooksCore

/// Attempt timing as stored: whole microseconds, never negative (a missing phase is NULL).
enum TimingColumns {
    static func us(_ ms: Double?) -> Int64? {
        ms.map { Int64(max(0, ($0 * 1000).rounded())) }
    }

    static func ms(_ us: Int64?) -> Double? {
        us.map { Double($0) / 1000 }
    }

    static func timing(dns: Int64?, connect: Int64?, tls: Int64?, firstByte: Int64?, total: Int64?) -> ExecutionTiming? {
        guard let total else { return nil }
        return ExecutionTiming(
            dnsMs: ms(dns), connectMs: ms(connect), tlsMs: ms(tls), firstByteMs: ms(firstByte), totalMs: Double(total) / 1000)
    }
}
