import Foundation

/// `postgres://USER:PASS@HOST:PORT/DB?sslmode=disable|prefer|require`, parsed and checked.
public struct PostgresURL: Sendable, Equatable {
    public enum SSLMode: String, Sendable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, plain TCP otherwise (libpq's default).
        case prefer
        /// TLS or no connection. Like libpq's `require`, the certificate is not verified.
        case require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode

    public init(_ text: String) throws {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"),
            let components = URLComponents(string: text)
        else { throw PostgresURLError("must look like postgres://USER:PASS@HOST:PORT/DB, got '\(Self.redacted(text))'") }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresURLError("names no host: '\(Self.redacted(text))'")
        }
        guard let user = components.user, !user.isEmpty else {
            throw PostgresURLError("names no user (postgres://USER:PASS@HOST:PORT/DB): '\(Self.redacted(text))'")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresURLError("names no database (postgres://USER:PASS@HOST:PORT/DB): '\(Self.redacted(text))'")
        }
        if let port = components.port, !(1...65_535).contains(port) {
            throw PostgresURLError("port must be between 1 and 65535, got \(port)")
        }
        var sslMode = SSLMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = SSLMode(rawValue: value) else {
                    throw PostgresURLError("sslmode must be disable, prefer or require, got '\(item.value ?? "")'")
                }
                sslMode = mode
            default:
                throw PostgresURLError("unknown parameter '\(item.name)' (only sslmode is understood)")
            }
        }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? 5432
        self.username = components.user.flatMap { $0.removingPercentEncoding } ?? user
        self.password = components.password.flatMap { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        self.sslMode = sslMode
    }

    /// The URL with its password replaced by `***`, for messages and logs.
    public var redacted: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }

    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://"), let colon = text[scheme.upperBound..<at].firstIndex(of: ":")
        else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }
}

public struct PostgresURLError: Error, CustomStringConvertible {
    public let description: String
    init(_ reason: String) { description = "--database: \(reason)" }
}
