import Foundation

/// The header a trusted proxy names the client in (`--forwarding-header`): the common
/// `X-Forwarded-For`, or RFC 7239's `Forwarded`. Only the one the proxies maintain may be read:
/// a proxy passes the other on as the client wrote it.
public enum ForwardingHeader: String, Sendable {
    case xForwardedFor = "x-forwarded-for"
    case forwarded

    /// The hops the header's values name, nearest the client first, as written: an address, or
    /// whatever stands in its place ("unknown", an obfuscated name, nothing).
    public func hops(in values: [String]) -> [String] {
        let elements = values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
        switch self {
        case .xForwardedFor:
            return elements.map { $0.trimmingCharacters(in: .whitespaces) }
        case .forwarded:
            return elements.map { Self.forNode(in: $0) }
        }
    }

    /// The node of an element's `for=` parameter (RFC 7239 §5.2, §6), without quotes, brackets or
    /// port: `for=192.0.2.60`, `For="[2001:db8:cafe::17]:4711"`, `for="192.0.2.43:47011"`.
    /// "" when the element has none.
    static func forNode(in element: Substring) -> String {
        for pair in element.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "for" else { continue }
            var node = parts[1].trimmingCharacters(in: .whitespaces)
            if node.count >= 2, node.hasPrefix("\""), node.hasSuffix("\"") { node = String(node.dropFirst().dropLast()) }
            if node.hasPrefix("[") {
                guard let close = node.firstIndex(of: "]") else { return node }
                return String(node[node.index(after: node.startIndex)..<close])
            }
            if let colon = node.firstIndex(of: ":"), node[node.index(after: colon)...].allSatisfy(\.isNumber) {
                return String(node[..<colon])
            }
            return node
        }
        return ""
    }
}
