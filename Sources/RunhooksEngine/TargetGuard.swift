import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RunhooksCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Refuses outbound targets on loopback, private and other non-public networks: literal
/// addresses in any spelling, local names, and names that resolve to such addresses.
/// A name that does not resolve now is accepted; delivery checks the connected address again.
public struct TargetGuard: Sendable {
    public typealias Resolver = @Sendable (String) async -> [IPAddress]

    public let allowPrivateTargets: Bool
    let resolve: Resolver
    /// Verdicts on targets given as literal addresses: they need no DNS, so they cannot change.
    let literalVerdicts = LiteralTargetVerdicts()

    public init(allowPrivateTargets: Bool, resolve: @escaping Resolver = TargetGuard.systemResolve) {
        self.allowPrivateTargets = allowPrivateTargets
        self.resolve = resolve
    }

    public func check(_ urlText: String, field: String) async throws {
        let target = try TargetURL(urlText, field: field)
        guard !allowPrivateTargets else { return }
        if let reason = target.nonPublicReasonWithoutDNS {
            throw ValidationError(field: field, "must not point to \(reason) (\(target.host))")
        }
        guard target.literalAddress == nil else { return }
        let addresses = await resolve(target.host)
        for address in addresses {
            if let reason = address.nonPublicReason {
                throw ValidationError(field: field, "host \(target.host) resolves to \(reason) (\(address))")
            }
        }
    }

    /// How long `systemResolve` waits for the system resolver, which has no time limit of its
    /// own that a caller controls (unreachable name servers hold it for tens of seconds).
    public static let resolveTimeLimit: TimeAmount = .seconds(5)

    /// Resolves a name with the system resolver on NIO's blocking-I/O pool; a name that has no
    /// answer within `timeLimit` resolves to nothing (the lookup finishes on the pool and its
    /// answer is dropped), so neither a request nor a delivery waits on a hanging resolver.
    public static func systemResolve(_ host: String) async -> [IPAddress] {
        await systemResolve(host, timeLimit: resolveTimeLimit, lookup: addresses(of:))
    }

    static func systemResolve(
        _ host: String, timeLimit: TimeAmount, lookup: @escaping @Sendable (String) -> [IPAddress]
    ) async -> [IPAddress] {
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        return await withCheckedContinuation { continuation in
            let pending = NIOLockedValueBox<CheckedContinuation<[IPAddress], Never>?>(continuation)
            let answer: @Sendable ([IPAddress]) -> Void = { addresses in
                pending.withLockedValue { pending in
                    defer { pending = nil }
                    return pending
                }?.resume(returning: addresses)
            }
            let timer = loop.scheduleTask(in: timeLimit) { answer([]) }
            NIOThreadPool.singleton.runIfActive(eventLoop: loop) { lookup(host) }.whenComplete { result in
                timer.cancel()
                answer((try? result.get()) ?? [])
            }
        }
    }

    /// `getaddrinfo`, blocking.
    static func addresses(of host: String) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let sockaddr = entry.pointee.ai_addr {
                switch Int32(sockaddr.pointee.sa_family) {
                case AF_INET:
                    let v4 = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                    addresses.append(.v4(UInt32(bigEndian: v4.sin_addr.s_addr)))
                case AF_INET6:
                    let v6 = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                    var bytes = v6.sin6_addr
                    addresses.append(.v6(withUnsafeBytes(of: &bytes) { Array($0) }))
                default:
                    break
                }
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }
}

/// Where a delivery attempt connects: the address the guard checked (the connection goes to it,
/// so a DNS answer that changes between check and connect cannot redirect the request), and
/// what the request names: the host for `Host` and TLS (SNI and certificate), the path.
public struct PinnedTarget: Sendable, Equatable {
    public var isTLS: Bool
    /// The host as written in the URL (lowercased, without IPv6 brackets).
    public var host: String
    public var port: Int
    public var address: IPAddress
    /// Path and query, at least "/".
    public var requestTarget: String
    /// How long resolving the host took, in ms; nil for a literal address.
    public var dnsMs: Double?

    /// `host[:port]`, the port only when it is not the scheme's default.
    public var hostHeader: String {
        // By byte: `contains(":")` on a String went through Foundation's NSString search.
        let name = host.utf8.contains(UInt8(ascii: ":")) ? "[\(host)]" : host
        return port == (isTLS ? 443 : 80) ? name : "\(name):\(port)"
    }
}

public struct TargetRefusal: Error, Sendable, Equatable {
    public var message: String
    /// True when the SSRF policy refused the target; false when it could not be resolved.
    public var isPolicy: Bool
}

extension TargetGuard {
    /// Checks a target at delivery time against the addresses it resolves to now.
    public func pin(_ urlText: String) async -> Result<PinnedTarget, TargetRefusal> {
        if let verdict = literalVerdicts[urlText] { return verdict }
        let target: TargetURL
        do {
            target = try TargetURL(urlText, field: "url")
        } catch {
            // A job stored before a rule it now breaks (credentials in its URL, say).
            return .failure(TargetRefusal(message: "refused: \(error.field) \(error.message)", isPolicy: true))
        }
        guard let components = URLComponents(string: urlText) else {
            return .failure(TargetRefusal(message: "invalid target URL", isPolicy: true))
        }
        var requestTarget = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { requestTarget += "?" + query }
        func pinned(_ address: IPAddress, dnsMs: Double?) -> PinnedTarget {
            PinnedTarget(
                isTLS: target.scheme == "https", host: target.host, port: target.port, address: address,
                requestTarget: requestTarget, dnsMs: dnsMs)
        }
        if let literal = target.literalAddress {
            let verdict: Result<PinnedTarget, TargetRefusal>
            if !allowPrivateTargets, let reason = literal.nonPublicReason {
                verdict = .failure(TargetRefusal(message: "refused: target is \(reason) (\(literal))", isPolicy: true))
            } else {
                verdict = .success(pinned(literal, dnsMs: nil))
            }
            literalVerdicts[urlText] = verdict
            return verdict
        }
        if !allowPrivateTargets, let reason = target.nonPublicReasonWithoutDNS {
            return .failure(TargetRefusal(message: "refused: target is \(reason) (\(target.host))", isPolicy: true))
        }
        let started = ContinuousClock.now
        let addresses = await resolve(target.host)
        let dnsMs = (ContinuousClock.now - started).fractionalMilliseconds
        guard let first = addresses.first else {
            return .failure(TargetRefusal(message: "could not resolve host \(target.host)", isPolicy: false))
        }
        if !allowPrivateTargets {
            for address in addresses {
                if let reason = address.nonPublicReason {
                    return .failure(
                        TargetRefusal(message: "refused: \(target.host) resolves to \(reason) (\(address))", isPolicy: true))
                }
            }
        }
        return .success(pinned(first, dnsMs: dnsMs))
    }
}
