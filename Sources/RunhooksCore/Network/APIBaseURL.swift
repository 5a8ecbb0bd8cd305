import Foundation

/// The API's base URL as the CLI keeps it, from whatever a user types: the server's address
/// (`http://host:8080`), the API's (`…/api/v1`), with or without a trailing slash or scheme.
public enum APIBaseURL {
    public static let apiPath = "/api/v1"

    /// `http://127.0.0.1:8080` → `http://127.0.0.1:8080/api/v1`; `host:8080/api/v1/` →
    /// `http://host:8080/api/v1`; a path in front (a reverse proxy's prefix) is kept.
    public static func normalize(_ typed: String) -> String {
        var url = typed.trimmingCharacters(in: .whitespacesAndNewlines)
        if !url.contains("://") { url = "http://" + url }
        while url.hasSuffix("/") { url.removeLast() }
        let lowered = url.lowercased()
        if lowered.hasSuffix(apiPath) { return url }
        if lowered.hasSuffix("/api") { return url + "/v1" }
        return url + apiPath
    }
}
