import ArgumentParser
import Foundation

/// `runhooks jobs …`: scheduled HTTP requests.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "Create, list, change and run jobs.",
        subcommands: [List.self, Get.self, Create.self, Update.self, Delete.self, Pause.self, Resume.self, Trigger.self,
            Executions.self])

    static func printJob(_ data: Any?, _ output: Output) {
        output.json ? output.printJSON(data) : output.fields(data)
    }

    static func setStatus(_ status: String, of id: String, options: ClientOptions, saying message: String) async throws {
        let reply = try await options.client().send(.PATCH, "/jobs/\(id)", body: ["status": status])
        options.output.message(message)
        printJob(reply.data, options.output)
    }

    static func schedule(_ job: [String: Any]) -> String {
        let schedule = job["schedule"] as? [String: Any] ?? [:]
        let expression = Output.text(schedule["expression"])
        if schedule["type"] as? String == "interval", let ms = Int(expression) {
            return "every " + Self.duration(ms)
        }
        let zone = schedule["timezone"] as? String
        return expression + (zone.map { " (\($0))" } ?? "")
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
            let pageData = reply.data as? [String: Any] ?? [:]
            let jobs = pageData["data"] as? [[String: Any]] ?? []
            let rows = jobs.map { job in
                [Output.text(job["id"]), Output.text(job["name"]), Output.text(job["status"]), JobsCommand.schedule(job),
                    Output.text(job["nextExecutionAt"]), Output.text((job["httpConfig"] as? [String: Any])?["url"])]
            }
            options.output.table(["ID", "NAME", "STATUS", "SCHEDULE", "NEXT RUN", "URL"], rows) { column, value in
                column == "STATUS" ? Output.statusColour(value) : nil
            }
            print("page \(Output.text(pageData["page"])) of \(Output.text(pageData["totalPages"])), \(Output.text(pageData["total"])) job(s)")
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one job.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Job id.") var id: String

        func run() async throws {
            JobsCommand.printJob(try await options.client().send(.GET, "/jobs/\(id)").data, options.output)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a job from flags or a JSON file.",
            discussion: "Example: runhooks jobs create --name ping --every 5m --url https://example.com/hook --method POST --header 'X-Token:abc' --body @payload.json")
        @OptionGroup var options: ClientOptions
        @OptionGroup var job: JobFlags

        func run() async throws {
            let reply = try await options.client().send(.POST, "/jobs", body: try job.jobObject())
            options.output.message(reply.message)
            JobsCommand.printJob(reply.data, options.output)
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
            let reply = try await options.client().send(.PATCH, "/jobs/\(id)", body: changes)
            options.output.message(reply.message)
            JobsCommand.printJob(reply.data, options.output)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a job and its executions.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Job id.") var id: String

        func run() async throws {
            let reply = try await options.client().send(.DELETE, "/jobs/\(id)")
            options.json ? options.output.printJSON(reply.data) : options.output.message(reply.message ?? "Job deleted")
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a job from firing.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Job id.") var id: String

        func run() async throws {
            try await JobsCommand.setStatus("paused", of: id, options: options, saying: "Job paused")
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a paused job fire again.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Job id.") var id: String

        func run() async throws {
            try await JobsCommand.setStatus("active", of: id, options: options, saying: "Job resumed")
        }
    }

    struct Trigger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a job now, as a new run.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Job id.") var id: String

        func run() async throws {
            let reply = try await options.client().send(.POST, "/jobs/\(id)/trigger")
            options.json ? options.output.printJSON(reply.data) : options.output.message(reply.message ?? "Job run enqueued")
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
