import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import RunhooksServer

struct DashboardRoutesTests {
    @Test func servesTheConsoleFromMemoryWithStrictHeaders() async throws {
        let env = try await TestEnvironment.make()
        try await env.application().test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let csp = try #require(response.headers[.contentSecurityPolicy])
                #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"))
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                let html = String(buffer: response.body)
                #expect(html.contains(#"<script type="module" src="/assets/app.js"></script>"#))
                #expect(!html.contains("<script>"), "no inline script")
            }
            for (file, type) in [("app.js", "text/javascript; charset=utf-8"), ("app.css", "text/css; charset=utf-8")] {
                try await client.execute(uri: "/assets/\(file)", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == type)
                    #expect(response.headers[.contentSecurityPolicy] != nil)
                }
            }
            try await client.execute(uri: "/assets/missing.js", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains(#""success":false"#))
            }
            // Every module the console imports is served.
            let app = try await client.execute(uri: "/assets/app.js", method: .get) { String(buffer: $0.body) }
            let imports = app.split(separator: "\n").compactMap { line -> String? in
                guard let range = line.range(of: #"from "./"#) else { return nil }
                return String(line[range.upperBound...].prefix { $0 != "\"" })
            }
            #expect(imports.count >= 5)
            for module in imports {
                try await client.execute(uri: "/assets/\(module)", method: .get) { response in
                    #expect(response.status == .ok, "\(module)")
                }
            }
        }
    }

    /// The console renders user data as text: no script builds HTML from strings.
    @Test func scriptsNeverWriteHTMLFromStrings() throws {
        let assets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/RunhooksDashboard/Assets")
        for file in try FileManager.default.contentsOfDirectory(atPath: assets.path) where file.hasSuffix(".js") {
            let text = try String(contentsOf: assets.appendingPathComponent(file), encoding: .utf8)
            for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
                #expect(!text.contains(sink), "\(file) uses \(sink)")
            }
        }
    }
}
