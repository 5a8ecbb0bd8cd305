import ArgumentParser
import Foundation
import RunhooksCore

struct AlertFlags: ParsableArguments {
    @Option(help: "Alert name.") var name: String?
    @Option(help: "email, webhook or slack.") var channel: String?
    @Option(help: "Email address, webhook URL or Slack webhook URL.") var target: String?
    @Option(name: .customLong("job-id"), help: "Only this job's failures (\"all\" for every job).") var jobId: String?
    @Option(help: "Consecutive failures before the alert fires (1-100).") var threshold: Int?
    @Option(help: "Minutes between repeat alerts (0-10080).") var cooldown: Int?
    @Flag(help: "Turn the alert on.") var enable = false
    @Flag(help: "Turn the alert off (it keeps its settings).") var disable = false

    func alertObject() throws -> [String: JSONValue] {
        if enable && disable { throw CommandFailure("give either --enable or --disable, not both") }
        var alert: [String: JSONValue] = [:]
        if let name { alert["name"] = .string(name) }
        if let channel { alert["channel"] = .string(channel) }
        if let target { alert["target"] = .string(target) }
        if let jobId { alert["jobId"] = jobId == "all" ? .null : .string(jobId) }
        if let threshold { alert["consecutiveFailuresThreshold"] = .number(Double(threshold)) }
        if let cooldown { alert["cooldownMinutes"] = .number(Double(cooldown)) }
        if enable || disable { alert["enabled"] = .bool(enable) }
        return alert
    }
}

/// `runhooks alerts …`: who hears about failures.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "Manage alert configurations and see their deliveries.",
        subcommands: [List.self, Get.self, Create.self, Update.self, Delete.self, Deliveries.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List alert configurations.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let reply = try await options.client().send(.GET, "/alerts")
            if options.json { return options.output.printJSON(reply.data) }
            let rows = (reply.data?.array ?? []).map { alert in
                let job: JSONValue = alert["jobId"].flatMap { $0.isNull ? nil : $0 } ?? "all jobs"
                return [alert["id"], alert["name"], alert["channel"], alert["target"], job,
                    alert["consecutiveFailuresThreshold"], alert["cooldownMinutes"], alert["enabled"]].map { Output.text($0) }
            }
            options.output.statusTable(
                ["ID", "NAME", "CHANNEL", "TARGET", "JOB", "THRESHOLD", "COOLDOWN MIN", "ENABLED"], rows, statusColumn: "ENABLED")
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one alert configuration.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Alert id.") var id: String

        func run() async throws {
            options.output.record(try await options.client().send(.GET, "/alerts/\(id)").data)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an alert.",
            discussion: "Example: runhooks alerts create --name ops --channel webhook --target https://example.com/alerts --threshold 3")
        @OptionGroup var options: ClientOptions
        @OptionGroup var alert: AlertFlags

        func run() async throws {
            let reply = try await options.client().send(.POST, "/alerts", body: .object(try alert.alertObject()))
            options.output.message(reply.message)
            options.output.record(reply.data)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change an alert: only the fields given are sent.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Alert id.") var id: String
        @OptionGroup var alert: AlertFlags

        func run() async throws {
            var changes = try alert.alertObject()
            guard !changes.isEmpty else { throw CommandFailure("nothing to change: give at least one flag") }
            let client = try options.client()
            // The API takes a new target with its channel: keep the alert's own.
            if changes["target"] != nil, changes["channel"] == nil {
                changes["channel"] = try await client.send(.GET, "/alerts/\(id)").data?["channel"]
            }
            if changes["channel"] != nil, changes["target"] == nil {
                throw CommandFailure("--channel needs --target too: a target's format depends on its channel")
            }
            let reply = try await client.send(.PUT, "/alerts/\(id)", body: .object(changes))
            options.output.message(reply.message)
            options.output.record(reply.data)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an alert configuration.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Alert id.") var id: String

        func run() async throws {
            options.output.acknowledge(try await options.client().send(.DELETE, "/alerts/\(id)"), otherwise: "Alert deleted")
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the notices an alert sent.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Alert id.") var id: String
        @Option(help: "Page (from 1).") var page: Int?
        @Option(help: "Per page (1-100).") var limit: Int?

        func run() async throws {
            let reply = try await options.client().send(
                .GET, "/alerts/\(id)/deliveries", query: ["page": page.map(String.init), "limit": limit.map(String.init)])
            if options.json { return options.output.printJSON(reply.data) }
            let rows = (reply.data?["data"]?.array ?? []).map { delivery in
                ["id", "createdAt", "jobId", "channel", "notice", "status", "attempts", "error"].map { Output.text(delivery[$0]) }
            }
            options.output.statusTable(
                ["ID", "AT", "JOB", "CHANNEL", "NOTICE", "STATUS", "ATTEMPTS", "ERROR"], rows, statusColumn: "STATUS")
        }
    }
}
