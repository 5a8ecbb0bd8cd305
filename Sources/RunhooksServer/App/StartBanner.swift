import Logging

/// What `runhooks serve` prints once it listens: the address (first line, which scripts read),
/// where the data lives and, on a first start (no account yet), the next step. With JSON logs
/// it is one JSON log line instead (`headline`, `metadata`), so that a collector reading the
/// output finds nothing but JSON.
struct StartBanner {
    var host: String
    var port: Int
    var store: String
    var dataDirectory: String
    var firstStart: Bool

    private var server: String { "http://\(host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host):\(port)" }

    var headline: String { "runhooks listening on http://\(host):\(port)" }

    var metadata: Logger.Metadata {
        [
            "dashboard": "\(server)/", "api": "\(server)/api/v1", "openapi": "\(server)/api/v1/openapi.json",
            "store": "\(store)", "dataDirectory": "\(dataDirectory)", "firstStart": "\(firstStart)",
        ]
    }

    var text: String {
        var lines = [
            headline,
            "  dashboard: \(server)/",
            "  API:   \(server)/api/v1 (OpenAPI document: \(server)/api/v1/openapi.json)",
            "  data:  \(store) (node files in \(dataDirectory))",
        ]
        if firstStart {
            lines += [
                "  first start: no account yet. Next: sign up in the dashboard, or in another terminal:",
                "    runhooks init --api-url \(server)    # creates an account and saves its API key",
                "    runhooks jobs create --help           # then schedule a webhook (README: Walk-through)",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
