import ArgumentParser
import Foundation
import RunhooksCore

/// `runhooks jobs …`: scheduled HTTP requests.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "Create, list, change and run jobs.",
        subcommands: [List.self, Get.self, Create.self, Update.self, Delete.self, Pause.self, Resume.self, Trigger.self,
            Executions.self, Export.self, Import.self])

    /// Sends a change and shows the job as it now is.
    static func change(_ id: String, _ body: JSONValue, options: ClientOptions, saying message: String? = nil) async throws {
        let reply = try await options.client().send(.PATCH, "/jobs/\(id)", body: body)
        options.output.message(message ?? reply.message)
        options.output.record(reply.data)
    }

    static func schedule(_ job: JSONValue) -> String {
        let expression = Output.text(job["schedule"]?["expression"])
        if job["schedule"]?["type"]?.string == "interval", let ms = Int(expression) {
            return "every " + Self.duration(ms)
        }
        return expression + (job["schedule"]?["timezone"]?.string.map { " (\($0))" } ?? "")
    }

    static func duration(_ ms: Int) -> String {
        for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] where ms % size == 0 {
            return "\(ms / size)\(unit)"
        }
        return "\(ms)ms"
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List jobs.")
        @OptionGroup var options: ClientOptions
        @Option(help: "active, paused, completed or failed.") var status: String?
        @Option(help: "Only jobs with this tag.") var tag: String?
        @Option(help: "Name filter (case-insensitive pattern).") var name: String?
        @Option(help: "Page (from 1).") var page: Int?
        @Option(help: "Jobs per page (1-100).") var limit: Int?

        func run() async throws {
            let reply = try await options.client().send(
                .GET, "/jobs",
                query: ["status": status, "tag": tag, "name": name, "page": page.map(String.init), "limit": limit.map(String.init)])
            if options.json { return options.output.printJSON(reply.data) }
            let rows = (reply.data?["data"]?.array ?? []).map { job in
                [Output.text(job["id"]), Output.text(job["name"]), Output.text(job["status"]), JobsCommand.schedule(job),
                    Output.text(job["nextExecutionAt"]), Output.text(job["httpConfig"]?["url"])]
            }
            options.output.statusTable(["ID", "NAME", "STATUS", "SCHEDULE", "NEXT RUN", "URL"], rows, statusColumn: "STATUS")
            print(Output.pageLine(reply.data, noun: "job"))
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one job.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Job id.") var id: String

        func run() async throws {
            options.output.record(try await options.client().send(.GET, "/jobs/\(id)").data)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a job from flags or a JSON file.",
            discussion: "Example: runhooks jobs create --name ping --every 5m --url https://example.com/hook --method POST --header 'X-Token:abc' --body @payload.json")
        @OptionGroup var options: ClientOptions
        @OptionGroup var job: JobFlags

        func run() async throws {
            let reply = try await options.client().send(.POST, "/jobs", body: .object(try job.jobObject()))
            options.output.message(reply.message)
            options.output.record(reply.data)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a job: only the fields given are sent (PATCH).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Job id.") var id: String
        @OptionGroup var job: JobFlags

        func run() async throws {
            let changes = try job.jobObject()
            guard !changes.isEmpty else { throw CommandFailure("nothing to change: give at least one flag or --file") }
            try await JobsCommand.change(id, .object(changes), options: options)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a job and its executions.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Job id.") var id: String

        func run() async throws {
            options.output.acknowledge(try await options.client().send(.DELETE, "/jobs/\(id)"), otherwise: "Job deleted")
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a job from firing.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Job id.") var id: String

        func run() async throws {
            try await JobsCommand.change(id, ["status": "paused"], options: options, saying: "Job paused")
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a paused job fire again.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Job id.") var id: String

        func run() async throws {
            try await JobsCommand.change(id, ["status": "active"], options: options, saying: "Job resumed")
        }
    }

    struct Trigger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a job now, as a new run.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Job id.") var id: String
        @OptionGroup var requested: RequestedRunOptions

        func run() async throws {
            try await RequestedRun.request("/jobs/\(id)/trigger", options: options, requested: requested, otherwise: "Job run enqueued")
        }
    }

    struct Executions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List one job's executions.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Job id.") var id: String
        @OptionGroup var filter: ExecutionFilterOptions

        func run() async throws {
            try await ExecutionsCommand.show(path: "/jobs/\(id)/executions", jobId: nil, filter: filter, options: options)
        }
    }
}
