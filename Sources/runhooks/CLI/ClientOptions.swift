import ArgumentParser
import Foundation
import RunhooksCore

/// Options every client command takes. The API URL comes from `--api-url`, then
/// `RUNHOOKS_API_URL`, then the saved configuration; the key from `RUNHOOKS_API_KEY`, then the
/// saved configuration.
struct ClientOptions: ParsableArguments {
    @Option(name: .customLong("api-url"), help: "The API base URL, e.g. http://127.0.0.1:8080/api/v1 (RUNHOOKS_API_URL).")
    var apiURL: String?
    @Flag(help: "Print the response's data as JSON instead of a table.") var json = false

    func resolvedURL() throws -> String {
        let saved = try ClientConfig.load()?.apiURL
        let url = apiURL ?? ProcessInfo.processInfo.environment["RUNHOOKS_API_URL"] ?? saved ?? ClientConfig.defaultAPIURL
        return APIBaseURL.normalize(url)
    }

    func resolvedKey() throws -> String {
        if let key = ProcessInfo.processInfo.environment["RUNHOOKS_API_KEY"], !key.isEmpty { return key }
        if let key = try ClientConfig.load()?.apiKey { return key }
        throw CommandFailure("no API key: run `runhooks init`, or set RUNHOOKS_API_KEY")
    }

    /// A client for the resolved URL, authenticated unless `anonymous`.
    func client(anonymous: Bool = false) throws -> APIConnection {
        APIConnection(baseURL: try resolvedURL(), apiKey: anonymous ? nil : try resolvedKey())
    }

    var output: Output { Output(json: json) }
}
