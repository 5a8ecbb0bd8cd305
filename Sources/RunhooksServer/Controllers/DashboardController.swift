import HTTPTypes
import Hummingbird
import NIOCore
import RunhooksDashboard

/// `/` and `/assets/…`: the web console, a client of the public API served from memory.
struct DashboardController {
    /// Scripts and styles only from this origin, no inline script, no framing.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

    func addRoutes(to router: Router<RunhooksRequestContext>) {
        router.get("/") { _, _ in Self.response(for: "index.html") }
        router.get("assets/:file") { _, context in
            guard let file = context.parameters.get("file"), DashboardAssets.files[file] != nil else {
                throw APIError.notFound("Asset")
            }
            return Self.response(for: file)
        }
    }

    static func response(for file: String) -> Response {
        guard let asset = DashboardAssets.files[file] else { return Response(status: .notFound) }
        var headers: HTTPFields = [
            .contentType: asset.contentType,
            .contentSecurityPolicy: contentSecurityPolicy,
            .xContentTypeOptions: "nosniff",
            .cacheControl: "no-cache",
        ]
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
