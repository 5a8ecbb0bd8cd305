import Foundation

/// An outbound target (job URL, alert webhook) checked for shape and, for literal hosts and
/// local names, for the SSRF rules. Names are resolved and checked again by the caller.
public struct TargetURL: Sendable, Equatable {
    public static let maxLength = 2048

    public let url: String
    public let scheme: String
    /// The host without IPv6 brackets, lowercased, an internationalised name in its ASCII
    /// ("xn--") form.
    public let host: String
    public let port: Int

    public init(_ text: String, field: String, schemes: Set<String> = ["http", "https"]) throws(ValidationError) {
        guard !text.isEmpty else { throw ValidationError(field: field, "must not be empty") }
        guard text.unicodeScalars.count <= Self.maxLength else {
            throw ValidationError(field: field, "must be at most \(Self.maxLength.grouped) characters")
        }
        guard !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0 == "\\" }) else {
            throw ValidationError(field: field, "must be a valid URL without spaces, control characters or backslashes")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw ValidationError(field: field, "must be a valid absolute URL")
        }
        guard schemes.contains(scheme) else {
            let allowed = schemes.sorted().joined(separator: " or ")
            throw ValidationError(field: field, "must use \(allowed), got '\(scheme)'")
        }
        guard var host = components.host, !host.isEmpty else {
            throw ValidationError(field: field, "must include a host")
        }
        // Never sent: a request carries no credentials from its URL, so refuse them rather
        // than drop them without a word.
        guard components.user == nil, components.password == nil else {
            throw ValidationError(
                field: field, "must not contain a user name or password (user:password@host): they would not be sent")
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let asciiHost = Punycode.asciiHost(host) else {
            throw ValidationError(field: field, "has a host name whose labels are too long")
        }
        host = asciiHost
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65_535).contains(port) else { throw ValidationError(field: field, "has an invalid port") }
        self.url = text
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port
    }

    /// The literal address of the host, if it is written as one in any spelling.
    public var literalAddress: IPAddress? { IPAddress(host: host) }

    /// Why the host is never a public target, judged without DNS (literals and local names).
    public var nonPublicReasonWithoutDNS: String? {
        let name = host.hasSuffix(".") ? String(host.dropLast()) : host
        if name == "localhost" || name.hasSuffix(".localhost") { return "a loopback name" }
        if let address = literalAddress { return address.nonPublicReason }
        return nil
    }
}
