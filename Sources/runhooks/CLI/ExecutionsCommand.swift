import ArgumentParser
import Foundation
import RunhooksCore

struct ExecutionFilterOptions: ParsableArguments {
    @Option(help: "pending, running, success, failed, timeout, dead_letter or quota_exceeded.") var status: String?
    @Option(help: "Page (from 1).") var page: Int?
    @Option(help: "Executions per page (1-100).") var limit: Int?
    @Flag(help: "Refresh until interrupted.") var watch = false
    @Option(help: "Seconds between refreshes with --watch.") var interval: Double = 2
}

/// `runhooks executions …`: attempts and replays.
struct ExecutionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "executions", abstract: "List, show and replay executions.", subcommands: [List.self, Get.self, Replay.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List executions across your jobs.")
        @OptionGroup var options: ClientOptions
        @Option(name: .customLong("job-id"), help: "Only this job's executions.") var jobId: String?
        @OptionGroup var filter: ExecutionFilterOptions

        func run() async throws {
            try await ExecutionsCommand.show(path: "/executions", jobId: jobId, filter: filter, options: options)
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fire an execution's request again, as a new run.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Execution id.") var id: String
        @OptionGroup var requested: RequestedRunOptions

        func run() async throws {
            try await RequestedRun.request(
                "/executions/\(id)/replay", options: options, requested: requested, otherwise: "Execution replay enqueued")
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one execution.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Execution id.") var id: String

        func run() async throws {
            options.output.record(try await options.client().send(.GET, "/executions/\(id)").data)
        }
    }

    static func show(path: String, jobId: String?, filter: ExecutionFilterOptions, options: ClientOptions) async throws {
        let client = try options.client()
        let query: [String: String?] = [
            "jobId": jobId, "status": filter.status, "page": filter.page.map(String.init), "limit": filter.limit.map(String.init),
        ]
        repeat {
            let reply = try await client.send(.GET, path, query: query)
            if filter.watch && !options.json && options.output.colour { print("\u{1B}[2J\u{1B}[H", terminator: "") }
            if options.json {
                options.output.printJSON(reply.data)
            } else {
                render(reply.data, options.output)
                if filter.watch { print("refreshing every \(filter.interval) s; Ctrl-C to stop") }
            }
            if filter.watch { try await Task.sleep(for: .seconds(max(0.2, filter.interval))) }
        } while filter.watch
    }

    static func render(_ page: JSONValue?, _ output: Output) {
        let rows = (page?["data"]?.array ?? []).map { execution -> [String] in
            let duration = execution["durationMs"]?.int.map { "\($0) ms" } ?? "—"
            return [
                Output.text(execution["id"]), Output.text(execution["jobId"]), Output.text(execution["status"]),
                Output.text(execution["attempt"]), Output.text(execution["scheduledFor"]), Output.text(execution["httpStatusCode"]),
                duration, Output.text(execution["error"]),
            ]
        }
        output.statusTable(
            ["ID", "JOB", "STATUS", "ATTEMPT", "SCHEDULED FOR", "HTTP", "DURATION", "ERROR"], rows, statusColumn: "STATUS")
        print(Output.pageLine(page, noun: "execution"))
    }
}
