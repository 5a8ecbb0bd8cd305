/// The dashboard's files, embedded in the binary (no CDN, nothing read from disk at run time).
public enum DashboardAssets {
    public struct Asset: Sendable {
        public let bytes: [UInt8]
        public let contentType: String
    }

    /// By file name, as requested under `/assets/` (`index.html` is served at `/`).
    public static let files: [String: Asset] = [
        "index.html": Asset(bytes: PackageResources.index_html, contentType: "text/html; charset=utf-8"),
        "app.css": Asset(bytes: PackageResources.app_css, contentType: "text/css; charset=utf-8"),
        "app.js": Asset(bytes: PackageResources.app_js, contentType: "text/javascript; charset=utf-8"),
        "api.js": Asset(bytes: PackageResources.api_js, contentType: "text/javascript; charset=utf-8"),
        "dom.js": Asset(bytes: PackageResources.dom_js, contentType: "text/javascript; charset=utf-8"),
        "auth.js": Asset(bytes: PackageResources.auth_js, contentType: "text/javascript; charset=utf-8"),
        "jobs.js": Asset(bytes: PackageResources.jobs_js, contentType: "text/javascript; charset=utf-8"),
        "alerts.js": Asset(bytes: PackageResources.alerts_js, contentType: "text/javascript; charset=utf-8"),
        "account.js": Asset(bytes: PackageResources.account_js, contentType: "text/javascript; charset=utf-8"),
    ]
}
