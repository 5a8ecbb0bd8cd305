import ArgumentParser
import Foundation
import RunhooksCore

/// The flags that describe a job, for `jobs create` (with `--file` as a base) and `jobs update`
/// (only what is given is sent).
struct JobFlags: ParsableArguments {
    @Option(help: "A JSON file with the job (fields as in the API); flags override it.") var file: String?
    @Option(help: "Job name.") var name: String?
    @Option(help: "Description.") var description: String?
    @Option(help: "Cron expression, e.g. \"*/5 * * * *\".") var cron: String?
    @Option(help: "Fixed interval: 90s, 5m, 1h, 1d, 500ms, or milliseconds.") var every: String?
    @Option(name: .customLong("tz"), help: "IANA time zone of a cron schedule, e.g. Europe/Paris.") var timeZone: String?
    @Option(help: "Target URL.") var url: String?
    @Option(help: "HTTP method (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS).") var method: String?
    @Option(name: .customLong("header"), help: "Request header NAME:VALUE (repeatable).") var headers: [String] = []
    @Option(help: "Request body, or @FILE to read it from a file.") var body: String?
    @Option(help: "Request timeout: 30s, 2m, or milliseconds.") var timeout: String?
    @Option(help: "Retries after a failed attempt (0-10).") var retries: Int?
    @Option(name: .customLong("initial-delay"), help: "First retry delay: 1s, 500ms, …") var initialDelay: String?
    @Option(help: "Backoff multiplier (1-10).") var backoff: Double?
    @Option(name: .customLong("max-delay"), help: "Largest retry delay: 5m, …") var maxDelay: String?
    @Option(name: .customLong("tag"), help: "Tag (repeatable).") var tags: [String] = []

    /// The JSON object to send.
    func jobObject() throws -> [String: JSONValue] {
        var job: [String: JSONValue] = [:]
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read \(file)") }
            guard let object = (try? JSONDecoder().decode(JSONValue.self, from: data))?.object else {
                throw CommandFailure("\(file) does not hold a JSON object")
            }
            job = object
        }
        if let name { job["name"] = .string(name) }
        if let description { job["description"] = .string(description) }
        if cron != nil && every != nil { throw CommandFailure("give either --cron or --every, not both") }
        var schedule = job["schedule"]?.object ?? [:]
        if let cron {
            schedule["type"] = "cron"
            schedule["expression"] = .string(cron)
        }
        if let every {
            schedule["type"] = "interval"
            schedule["expression"] = .string(String(try Self.milliseconds(every, flag: "--every")))
            schedule["timezone"] = nil
        }
        if let timeZone { schedule["timezone"] = .string(timeZone) }
        if !schedule.isEmpty { job["schedule"] = .object(schedule) }

        var http = job["httpConfig"]?.object ?? [:]
        if let url { http["url"] = .string(url) }
        if let method { http["method"] = .string(method.uppercased()) }
        if !headers.isEmpty {
            var existing = http["headers"]?.object ?? [:]
            for header in headers {
                guard let colon = header.firstIndex(of: ":"), colon != header.startIndex else {
                    throw CommandFailure("--header takes NAME:VALUE, got '\(header)'")
                }
                existing[String(header[..<colon]).trimmingCharacters(in: .whitespaces)] =
                    .string(String(header[header.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
            }
            http["headers"] = .object(existing)
        }
        if let body {
            if body.hasPrefix("@") {
                let path = String(body.dropFirst())
                guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("cannot read \(path)") }
                http["body"] = .string(String(decoding: data, as: UTF8.self))
            } else {
                http["body"] = .string(body)
            }
        }
        if let timeout { http["timeoutMs"] = .number(Double(try Self.milliseconds(timeout, flag: "--timeout"))) }
        if !http.isEmpty { job["httpConfig"] = .object(http) }

        var retry = job["retryPolicy"]?.object ?? [:]
        if let retries { retry["maxRetries"] = .number(Double(retries)) }
        if let initialDelay {
            retry["initialDelay"] = .number(Double(try Self.milliseconds(initialDelay, flag: "--initial-delay")))
        }
        if let backoff { retry["backoffMultiplier"] = .number(backoff) }
        if let maxDelay { retry["maxDelay"] = .number(Double(try Self.milliseconds(maxDelay, flag: "--max-delay"))) }
        if !retry.isEmpty { job["retryPolicy"] = .object(retry) }
        if !tags.isEmpty { job["tags"] = .array(tags.map(JSONValue.string)) }
        return job
    }

    /// "90s", "5m", "1h", "2d", "250ms" or a plain number of milliseconds.
    static func milliseconds(_ text: String, flag: String) throws -> Int {
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let value = Int(trimmed), value > 0 { return value }
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            if let number = Double(trimmed.dropLast(suffix.count)), number > 0 {
                return Int((number * factor).rounded())
            }
        }
        throw CommandFailure("\(flag) takes a duration such as 90s, 5m, 1h, 1d, 500ms or a number of milliseconds, got '\(text)'")
    }
}
