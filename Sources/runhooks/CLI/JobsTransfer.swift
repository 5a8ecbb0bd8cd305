import ArgumentParser
import Foundation
import RunhooksCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file `runhooks jobs export` writes and `runhooks jobs import` reads:
/// `{"format": "runhooks-jobs", "version": 1, "exportedAt": …, "jobs": [<job as POST /jobs takes it>]}`.
enum JobsFile {
    static let format = "runhooks-jobs"
    static let version = 1
    /// What a job keeps in the file: what creating it again needs, nothing the server made.
    static let portableFields = ["name", "description", "schedule", "httpConfig", "retryPolicy", "tags"]

    /// A job as the API returns it, reduced to what `POST /jobs` takes. A completed or failed
    /// job comes back paused: importing it must not start it again unasked.
    static func portable(_ job: JSONValue) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for field in portableFields {
            if let value = job[field], value != .null { object[field] = value }
        }
        object["status"] = job["status"]?.string == "active" ? "active" : "paused"
        return .object(object)
    }

    /// The jobs of an export file, or of a bare JSON array of jobs.
    static func jobs(in document: JSONValue) throws -> [JSONValue] {
        if let array = document.array { return array }
        guard document["format"]?.string == format, let jobs = document["jobs"]?.array else {
            throw CommandFailure("not a Runhooks jobs file: expected {\"format\": \"\(format)\", \"jobs\": [...]} or a JSON array of jobs")
        }
        guard let version = document["version"]?.int, version <= Self.version else {
            throw CommandFailure("this jobs file has format version \(Output.text(document["version"])); this runhooks reads up to \(Self.version)")
        }
        return jobs
    }

    /// Header names that usually carry credentials (they are exported: say so).
    static func looksSecret(_ header: String) -> Bool {
        let name = header.lowercased()
        return ["authorization", "token", "secret", "key", "password", "cookie", "signature"].contains { name.contains($0) }
    }
}

extension JobsCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every job of the account as JSON that `jobs import` recreates.",
            discussion: """
                Jobs keep their name, schedule, request, retry policy, tags and description (completed or failed jobs \
                are written paused). Ids, timestamps and executions stay behind, and so do the account's API key and \
                signing secret. Request headers are written as they are: if they carry credentials, keep the file \
                private (--file writes it readable by you only).
                """)
        @OptionGroup var options: ClientOptions
        @Option(help: "Write to this file instead of standard output.") var file: String?

        func run() async throws {
            let client = try options.client()
            var jobs: [JSONValue] = []
            var page = 1
            while true {
                let reply = try await client.send(.GET, "/jobs", query: ["page": String(page), "limit": "100"])
                let items = reply.data?["data"]?.array ?? []
                jobs += items.map(JobsFile.portable)
                let totalPages = reply.data?["totalPages"]?.int ?? 0
                if items.isEmpty || page >= totalPages { break }
                page += 1
            }
            let document: JSONValue = [
                "format": .string(JobsFile.format), "version": .number(Double(JobsFile.version)),
                "exportedAt": .string(Date().iso8601Milliseconds), "source": .string(client.baseURL),
                "jobs": .array(jobs),
            ]
            let text = Output.jsonText(document) + "\n"
            let withCredentials = jobs.filter { job in
                (job["httpConfig"]?["headers"]?.object?.keys ?? [:].keys).contains(where: JobsFile.looksSecret)
            }
            guard let file else {
                FileHandle.standardOutput.write(Data(text.utf8))
                return
            }
            guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
            else { throw CommandFailure("cannot write \(file)") }
            options.output.message("Exported \(jobs.count) job(s) to \(file).")
            if !withCredentials.isEmpty {
                let names = withCredentials.map { Output.text($0["name"]) }.joined(separator: ", ")
                FileHandle.standardError.write(
                    Data("note: request headers of \(withCredentials.count) job(s) look like credentials (\(names)); the file is readable by you only\n".utf8))
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the jobs of a file written by `jobs export` (or a JSON array of jobs).",
            discussion: """
                Each job is created through the API as `jobs create --file` would, so the server's rules and the \
                plan's limits apply. A job whose name the account already uses is skipped (run it again after a \
                partial import: only the rest is created) unless --allow-duplicates. --dry-run checks every job \
                against the API's rules without creating anything. Exits with status 1 if any job was refused.
                """)
        @OptionGroup var options: ClientOptions
        @Argument(help: "The jobs file ('-' reads standard input).") var file: String
        @Flag(help: "Check every job and report what would happen; create nothing.") var dryRun = false
        @Flag(help: "Create a job even when the account has one of the same name.") var allowDuplicates = false

        func run() async throws {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read \(file)") }
                data = contents
            }
            let document: JSONValue
            do {
                document = try JSONDecoder().decode(JSONValue.self, from: data)
            } catch {
                throw CommandFailure("\(file) is not JSON: \(error)")
            }
            let jobs = try JobsFile.jobs(in: document)
            let client = try options.client()
            var existing = Set<String>()
            var page = 1
            while !allowDuplicates {
                let reply = try await client.send(.GET, "/jobs", query: ["page": String(page), "limit": "100"])
                let items = reply.data?["data"]?.array ?? []
                existing.formUnion(items.compactMap { $0["name"]?.string })
                if items.isEmpty || page >= reply.data?["totalPages"]?.int ?? 0 { break }
                page += 1
            }

            var rows: [[String]] = []
            var report: [JSONValue] = []
            var refused = 0
            for (index, job) in jobs.enumerated() {
                let name = job["name"]?.string ?? "#\(index + 1)"
                let outcome: (result: String, detail: String)
                if !allowDuplicates, existing.contains(name) {
                    outcome = ("skipped", "the account already has a job named \"\(name)\"")
                } else if dryRun {
                    do throws(RunhooksCore.ValidationError) {
                        _ = try JobSpec(validating: job, rules: JobRules())
                        outcome = ("would create", "")
                    } catch {
                        outcome = ("refused", error.description)
                        refused += 1
                    }
                } else {
                    do {
                        let reply = try await client.send(.POST, "/jobs", body: job)
                        outcome = ("created", Output.text(reply.data?["id"]))
                        existing.insert(name)
                    } catch let failure as CommandFailure {
                        outcome = ("refused", failure.description)
                        refused += 1
                    }
                }
                rows.append([String(index + 1), name, outcome.result, outcome.detail])
                report.append(["name": .string(name), "result": .string(outcome.result), "detail": .string(outcome.detail)])
            }
            if options.json {
                options.output.printJSON(.array(report))
            } else {
                options.output.table(["#", "NAME", "RESULT", "ID OR REASON"], rows)
                for row in rows where row[2] == "refused" {
                    print("#\(row[0]) \(row[1]): \(row[3])")
                }
                let verb = dryRun ? "would be created" : "created"
                let made = rows.filter { $0[2] == (dryRun ? "would create" : "created") }.count
                let skipped = rows.filter { $0[2] == "skipped" }.count
                print("\(jobs.count) job(s) in the file: \(made) \(verb), \(skipped) skipped, \(refused) refused")
                if dryRun {
                    print("(dry run: nothing was created; the plan's limits are checked only when jobs are created)")
                }
            }
            if refused > 0 { throw ExitCode(1) }
        }
    }
}
