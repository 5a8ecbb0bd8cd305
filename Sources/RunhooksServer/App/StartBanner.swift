/// What `runhooks serve` prints once it listens: the address (first line, which scripts read),
/// where the data lives and, on a first start (no account yet), the next step.
struct StartBanner {
    var host: String
    var port: Int
    var store: String
    var dataDirectory: String
    var firstStart: Bool

    var text: String {
        let server = "http://\(host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host):\(port)"
        var lines = [
            "runhooks listening on http://\(host):\(port)",
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
