import Foundation
import RunhooksCore
import RunhooksTestSupport
import Testing

/// The `runhooks` client commands, run as a user runs them: the built executable against a
/// live server, with its configuration in a temporary file.
@Suite(.serialized) struct CLITests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
    }

    final class Client: @unchecked Sendable {
        let configPath: String
        var environment: [String: String] = [:]

        init() {
            configPath = TestScratch.path("runhooks-cli").appendingPathComponent("config.json").path
        }

        @discardableResult
        func run(_ arguments: String..., environment extra: [String: String] = [:], input: String? = nil) async throws -> Run {
            let environment = self.environment
            let configPath = self.configPath
            return try await offThePool {
                try Self.runBlocking(arguments, configPath: configPath, environment: environment.merging(extra) { $1 }, input: input)
            }
        }

        private static func runBlocking(_ arguments: [String], configPath: String, environment extra: [String: String], input: String?)
            throws -> Run
        {
            let process = Process()
            process.executableURL = ServerProcess.executable
            process.arguments = arguments
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("RUNHOOKS_") }
            environment["RUNHOOKS_CONFIG"] = configPath
            environment.merge(extra) { $1 }
            process.environment = environment
            let stdout = Pipe()
            let stderr = Pipe()
            let stdin = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            process.standardInput = stdin
            try process.run()
            if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
            try stdin.fileHandleForWriting.close()
            let out = stdout.fileHandleForReading.readDataToEndOfFile()
            let err = stderr.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Run(
                status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                stderr: String(decoding: err, as: UTF8.self))
        }
    }

    static func server() async throws -> ServerProcess {
        let directory = TestScratch.path("runhooks-cli-server").path
        return try await ServerProcess.launch(dataDirectory: directory, arguments: ["--allow-private-targets", "--rate-limits", "off"])
    }

    @Test func withoutAConfigPathTheKeyIsSavedUnderTheUsersConfigHome() async throws {
        let server = try await Self.server()
        defer { server.terminate() }
        let home = TestScratch.path("runhooks-home").path
        let cli = Client()
        let underHome = try await cli.run(
            "init", "--api-url", server.apiURL, "--name", "cli", environment: ["RUNHOOKS_CONFIG": "", "XDG_CONFIG_HOME": "", "HOME": home])
        #expect(underHome.status == 0, "\(underHome.stderr)")
        #expect(underHome.stdout.contains("Saved to \(home)/.config/runhooks/config.json"))
        #expect(FileManager.default.fileExists(atPath: "\(home)/.config/runhooks/config.json"))
        let underXDG = try await cli.run(
            "init", "--api-url", server.apiURL, "--name", "cli", environment: ["RUNHOOKS_CONFIG": "", "XDG_CONFIG_HOME": "\(home)/xdg", "HOME": home])
        #expect(underXDG.status == 0, "\(underXDG.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(home)/xdg/runhooks/config.json"))
        try? FileManager.default.removeItem(atPath: home)
    }

    @Test func initSavesTheKeyPrivatelyAndNeverOverwritesItSilently() async throws {
        let server = try await Self.server()
        defer { server.terminate() }
        let cli = Client()
        let first = try await cli.run("init", "--api-url", server.apiURL, "--name", "cli")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("API key: rh_live_"))
        let attributes = try FileManager.default.attributesOfItem(atPath: cli.configPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let saved = try String(contentsOfFile: cli.configPath, encoding: .utf8)
        #expect(saved.contains(server.apiURL))

        let again = try await cli.run("init", "--api-url", server.apiURL)
        #expect(again.status != 0)
        #expect(again.stderr.contains("already holds an API key") && again.stderr.contains("--force"))
        #expect(try String(contentsOfFile: cli.configPath, encoding: .utf8) == saved)

        let whoami = try await cli.run("whoami", "--json")
        #expect(whoami.status == 0)
        #expect((whoami.json as? [String: Any])?["name"] as? String == "cli")
        #expect(try await cli.run("whoami").stdout.contains("isAnonymous"))

        // The environment overrides the file.
        let overridden = try await cli.run("whoami", environment: ["RUNHOOKS_API_KEY": "rh_live_not_a_real_key"])
        #expect(overridden.status == 1)
        #expect(overridden.stderr.contains("Invalid or expired API key or token (HTTP 401)"))

        let forced = try await cli.run("init", "--force", "--email", "cli" + "\u{40}example.com", "--password-stdin", input: "a-long-password\n")
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try String(contentsOfFile: cli.configPath, encoding: .utf8) != saved)
        #expect((try await cli.run("whoami", "--json").json as? [String: Any])?["isAnonymous"] as? Bool == false)
    }

    @Test func jobsAndExecutionsFromTheTerminal() async throws {
        let server = try await Self.server()
        defer { server.terminate() }
        let sink = try await SlotSink.start()
        let cli = Client()
        #expect(try await cli.run("init", "--api-url", server.apiURL).status == 0)
        let target = "\(await sink.baseURL)/tick"

        let created = try await cli.run(
            "jobs", "create", "--name", "nightly", "--cron", "0 3 * * *", "--tz", "Europe/Paris", "--url", target, "--method", "post",
            "--header", "X-Token: abc", "--body", "{\"a\":1}", "--retries", "2", "--initial-delay", "2s", "--tag", "cli", "--json")
        #expect(created.status == 0, "\(created.stderr)")
        let job = try #require(created.json as? [String: Any])
        let id = try #require(job["id"] as? String)
        #expect((job["schedule"] as? [String: Any])?["timezone"] as? String == "Europe/Paris")
        #expect((job["httpConfig"] as? [String: Any])?["headers"] as? [String: String] == ["X-Token": "abc"])
        #expect((job["retryPolicy"] as? [String: Any])?["initialDelay"] as? Int == 2000)

        let list = try await cli.run("jobs", "list")
        #expect(list.status == 0)
        #expect(list.stdout.contains("NAME") && list.stdout.contains("nightly") && list.stdout.contains("0 3 * * * (Europe/Paris)"))
        #expect(list.stdout.contains("1 job(s)"))

        let file = TestScratch.path("job", suffix: ".json").path
        try #"{"name": "from file", "schedule": {"type": "interval", "expression": "3600000"}, "httpConfig": {"url": "\#(target)"}}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try await cli.run("jobs", "create", "--file", file, "--every", "2h", "--json")
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(((fromFile.json as? [String: Any])?["schedule"] as? [String: Any])?["expression"] as? String == "7200000")

        let renamed = try await cli.run("jobs", "update", id, "--name", "renamed", "--json")
        #expect((renamed.json as? [String: Any])?["name"] as? String == "renamed")
        #expect((try await cli.run("jobs", "pause", id, "--json").json as? [String: Any])?["status"] as? String == "paused")
        #expect((try await cli.run("jobs", "resume", id, "--json").json as? [String: Any])?["status"] as? String == "active")
        #expect(try await cli.run("jobs", "get", id).stdout.contains("renamed"))

        let none = try await cli.run("executions", "list", "--job-id", id)
        #expect(none.status == 0 && none.stdout.contains("0 execution(s)") && !none.stdout.contains("of 0"), "\(none.stdout)")
        let triggered = try await cli.run("jobs", "trigger", id)
        #expect(triggered.status == 0 && triggered.stdout.contains("enqueued"))
        let announced = try #require(triggered.stdout.split(separator: "\n").last { $0.hasPrefix("execution ") })
        let triggeredId = String(announced.dropFirst("execution ".count).prefix(24))
        #expect(await sink.waitFor(1))
        // The claim is committed before the request leaves, so the execution is listed by now
        // (its final status may still be on its way to the store).
        let listed = try await cli.run("executions", "list", "--job-id", id, "--json")
        let executions = try #require((listed.json as? [String: Any])?["data"] as? [[String: Any]])
        let execution = try #require(executions.first)
        #expect(executions.count == 1 && execution["jobId"] as? String == id && execution["attempt"] as? Int == 1)
        let table = try await cli.run("jobs", "executions", id)
        let executionId = try #require(execution["id"] as? String)
        #expect(executionId == triggeredId)
        #expect(table.stdout.contains("STATUS") && table.stdout.contains(executionId))
        #expect(table.stdout.contains("1 execution(s)"))
        let shown = try await cli.run("executions", "get", executionId, "--json")
        #expect((shown.json as? [String: Any])?["jobId"] as? String == id)

        // With --wait the command returns once the run has ended, with its execution.
        let replay = try await cli.run("executions", "replay", executionId, "--wait", "--json")
        #expect(replay.status == 0, "\(replay.stderr)")
        let replayed = try #require(replay.json as? [String: Any])
        #expect(replayed["replayOf"] as? String == executionId && replayed["status"] as? String == "success")
        #expect(await sink.count() == 2)

        let missing = try await cli.run("jobs", "get", "0123456789abcdef01234567")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("(HTTP 404)"))
        let badDuration = try await cli.run("jobs", "create", "--name", "x", "--every", "5 parsecs", "--url", target)
        #expect(badDuration.status == 1 && badDuration.stderr.contains("--every"))
        let invalid = try await cli.run("jobs", "create", "--name", "x", "--cron", "61 * * * *", "--url", target)
        #expect(invalid.status == 1 && invalid.stderr.contains("schedule.expression"))

        #expect(try await cli.run("jobs", "delete", id).status == 0)
        #expect(try await cli.run("jobs", "get", id).status == 1)
        await server.shutDown()
        await sink.stop()
    }

    @Test func alertsUsageAndKeyRotationFromTheTerminal() async throws {
        let server = try await Self.server()
        defer { server.terminate() }
        let cli = Client()
        #expect(try await cli.run("init", "--api-url", server.apiURL).status == 0)

        let created = try await cli.run(
            "alerts", "create", "--name", "ops", "--channel", "webhook", "--target", "http://127.0.0.1:9/alerts", "--threshold", "3",
            "--json")
        #expect(created.status == 0, "\(created.stderr)")
        let id = try #require((created.json as? [String: Any])?["id"] as? String)
        let list = try await cli.run("alerts", "list")
        #expect(list.stdout.contains("ops") && list.stdout.contains("all jobs") && list.stdout.contains("THRESHOLD"))
        let disabled = try await cli.run("alerts", "update", id, "--disable", "--json")
        #expect((disabled.json as? [String: Any])?["enabled"] as? Bool == false)
        #expect(try await cli.run("alerts", "get", id).stdout.contains("consecutiveFailuresThreshold  3"))
        let deliveries = try await cli.run("alerts", "deliveries", id)
        #expect(deliveries.status == 0 && deliveries.stdout.contains("(none)"))
        #expect(try await cli.run("alerts", "delete", id).status == 0)
        #expect(try await cli.run("alerts", "get", id).status == 1)

        let usage = try await cli.run("usage")
        #expect(usage.stdout.contains("plan: free") && usage.stdout.contains("dailyRuns"))
        #expect(((try await cli.run("usage", "--json").json as? [String: Any])?["plan"] as? String) == "free")

        let oldKey = try #require(try String(contentsOfFile: cli.configPath, encoding: .utf8).split(separator: "\"").first { $0.hasPrefix("rh_live_") })
        let rotated = try await cli.run("rotate-key")
        #expect(rotated.status == 0 && rotated.stdout.contains("Saved to"))
        #expect(try await cli.run("whoami").status == 0)
        #expect(try await cli.run("whoami", environment: ["RUNHOOKS_API_KEY": String(oldKey)]).status == 1)

        let status = try await cli.run("cluster", "status")
        #expect(status.status == 0 && status.stdout.contains("standalone"))
    }

    @Test func initTakesTheServersAddressAndSaysWhenNothingAnswers() async throws {
        let server = try await Self.server()
        defer { server.terminate() }
        let cli = Client()
        let base = "http://127.0.0.1:\(server.port)"
        let made = try await cli.run("init", "--api-url", base + "/")
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try String(contentsOfFile: cli.configPath, encoding: .utf8).contains(server.apiURL))
        #expect(try await cli.run("whoami").status == 0)
        #expect(try await cli.run("whoami", "--api-url", base).status == 0)

        let elsewhere = Client()
        let nothing = try await elsewhere.run("init", "--api-url", "http://127.0.0.1:1")
        #expect(nothing.status != 0)
        #expect(nothing.stderr.contains("connection refused: no server is listening there"), "\(nothing.stderr)")
        let wrongPath = try await elsewhere.run("init", "--api-url", base + "/not-the-api")
        #expect(wrongPath.stderr.contains("answers, but not as a Runhooks API"), "\(wrongPath.stderr)")
        #expect(!FileManager.default.fileExists(atPath: elsewhere.configPath))
    }

    @Test func versionIsTheOneHealthReports() async throws {
        let version = try await Client().run("--version")
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == RunhooksVersion.current)
    }

    /// `admin delete-user` on a running server's store: the account's key stops working on
    /// that server, and its jobs and executions are gone.
    @Test func adminDeletesAUserWhileTheServerRuns() async throws {
        let server = try await Self.server()
        defer { server.terminate() }
        let cli = Client()
        #expect(try await cli.run("init", "--api-url", server.apiURL, "--name", "leaving").status == 0)
        let me = try #require(try await cli.run("whoami", "--json").json as? [String: Any])
        let userId = try #require(me["id"] as? String)
        let created = try await cli.run("jobs", "create", "--name", "j", "--every", "60s", "--url", "http://127.0.0.1:9/x")
        #expect(created.status == 0, "\(created.stderr)")

        let listed = try await cli.run("admin", "users", "--json", "--data-dir", server.dataDirectory)
        let accounts = try #require((listed.json as? [String: Any])?["data"] as? [[String: Any]], "\(listed.stderr)")
        let account = try #require(accounts.first { $0["id"] as? String == userId })
        #expect(account["jobs"] as? Int == 1 && account["name"] as? String == "leaving" && account["plan"] as? String == "free")
        let table = try await cli.run("admin", "users", "--data-dir", server.dataDirectory)
        #expect(table.status == 0 && table.stdout.contains("\(userId)  leaving (anonymous)"), "\(table.stdout)")

        let unasked = try await cli.run("admin", "delete-user", userId, "--data-dir", server.dataDirectory)
        #expect(unasked.status != 0 && unasked.stderr.contains("--yes"), "\(unasked.stderr)")
        #expect(try await cli.run("whoami").status == 0)

        let deleted = try await cli.run("admin", "delete-user", userId, "--yes", "--data-dir", server.dataDirectory)
        #expect(deleted.status == 0 && deleted.stdout.contains("\(userId) leaving: deleted"), "\(deleted.stderr)")
        let after = try await cli.run("admin", "users", "--json", "--data-dir", server.dataDirectory)
        let remaining = try #require((after.json as? [String: Any])?["data"] as? [[String: Any]])
        #expect(!remaining.contains { $0["id"] as? String == userId })
        let again = try await cli.run("admin", "delete-user", userId, "--yes", "--data-dir", server.dataDirectory)
        #expect(again.status != 0 && again.stderr.contains("no user with id or email"), "\(again.stderr)")
        // The server reads the store's credentials generation every second.
        let deadline = ContinuousClock.now + .seconds(15)
        var answer = try await cli.run("whoami")
        while answer.status == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            answer = try await cli.run("whoami")
        }
        #expect(answer.status != 0, "the deleted account's key still works")
    }

    /// `admin set-password` for a user who forgot theirs: the new one signs in, the old one and
    /// the sessions made with it no longer do.
    @Test func adminSetsAForgottenPassword() async throws {
        let server = try await Self.server()
        defer { server.terminate() }
        let api = HTTPJSONClient(base: server.apiURL)
        let email = "forgetful-\(UUID().uuidString.prefix(8).lowercased())" + "\u{40}example.com"
        let (registered, _) = try await api.send(
            "POST", "/auth/register", body: ["email": email, "password": "old-password", "name": "Forgetful"])
        #expect(registered == 201)
        let (_, login) = try await api.send("POST", "/auth/login", body: ["email": email, "password": "old-password"])
        let refresh = try #require(((login["data"] as? [String: Any])?["tokens"] as? [String: Any])?["refreshToken"] as? String)

        let cli = Client()
        let short = try await cli.run(
            "admin", "set-password", email, "--password-stdin", "--data-dir", server.dataDirectory, input: "short\n")
        #expect(short.status != 0 && short.stderr.contains("must be 8 to 128 characters"), "\(short.stderr)")
        let set = try await cli.run(
            "admin", "set-password", email.uppercased(), "--password-stdin", "--data-dir", server.dataDirectory,
            input: "a-new-password\n")
        #expect(set.status == 0 && set.stdout.contains("password set"), "\(set.stderr)")

        #expect(try await api.send("POST", "/auth/login", body: ["email": email, "password": "a-new-password"]).0 == 200)
        #expect(try await api.send("POST", "/auth/login", body: ["email": email, "password": "old-password"]).0 == 401)
        #expect(try await api.send("POST", "/auth/refresh", body: ["refreshToken": refresh]).0 == 401)

        #expect(try await cli.run("init", "--api-url", server.apiURL, "--name", "anon").status == 0)
        let me = try #require(try await cli.run("whoami", "--json").json as? [String: Any])
        let anonymous = try await cli.run(
            "admin", "set-password", try #require(me["id"] as? String), "--password-stdin", "--data-dir", server.dataDirectory,
            input: "a-new-password\n")
        #expect(anonymous.status != 0 && anonymous.stderr.contains("anonymous account"), "\(anonymous.stderr)")
    }

    /// A user changes their password, then deletes their account, from the terminal.
    @Test func aUserChangesTheirPasswordAndDeletesTheirAccount() async throws {
        let server = try await Self.server()
        defer { server.terminate() }
        let api = HTTPJSONClient(base: server.apiURL)
        let email = "leaving-\(UUID().uuidString.prefix(8).lowercased())" + "\u{40}example.com"
        let cli = Client()
        let made = try await cli.run("init", "--api-url", server.apiURL, "--email", email, "--password-stdin", input: "first-password\n")
        #expect(made.status == 0, "\(made.stderr)")

        let wrong = try await cli.run("change-password", "--password-stdin", input: "not-it-at-all\nsecond-password\n")
        #expect(wrong.status == 1 && wrong.stderr.contains("currentPassword: is not this account's password"), "\(wrong.stderr)")
        let changed = try await cli.run("change-password", "--password-stdin", input: "first-password\nsecond-password\n")
        #expect(changed.status == 0 && changed.stdout.contains("Password changed"), "\(changed.stderr)")
        #expect(try await api.send("POST", "/auth/login", body: ["email": email, "password": "second-password"]).0 == 200)
        #expect(try await api.send("POST", "/auth/login", body: ["email": email, "password": "first-password"]).0 == 401)

        #expect(try await cli.run("jobs", "create", "--name", "n", "--every", "1h", "--url", "https://example.com/").status == 0)
        let unconfirmed = try await cli.run("delete-account", "--password-stdin", input: "second-password\n")
        #expect(unconfirmed.status == 1 && unconfirmed.stderr.contains("--yes"), "\(unconfirmed.stderr)")
        #expect(try await cli.run("whoami").status == 0)
        let deleted = try await cli.run("delete-account", "--yes", "--password-stdin", input: "second-password\n")
        #expect(deleted.status == 0 && deleted.stdout.contains("Account deleted"), "\(deleted.stderr)")
        let after = try await cli.run("whoami")
        #expect(after.status == 1 && after.stderr.contains("(HTTP 401)"))
        #expect(try await api.send("POST", "/auth/login", body: ["email": email, "password": "second-password"]).0 == 401)
    }

    /// With JSON logs the banner is a JSON log line too, still first on standard output.
    @Test func withJSONLogsTheBannerIsAJSONLine() async throws {
        let server = try await ServerProcess.launch(
            dataDirectory: TestScratch.path("runhooks-json-banner").path, arguments: ["--log-format", "json"])
        defer { server.terminate() }
        let line = try #require(
            try JSONSerialization.jsonObject(with: Data(server.firstLine.utf8)) as? [String: Any], "\(server.firstLine)")
        #expect(line["level"] as? String == "info")
        #expect(line["message"] as? String == "runhooks listening on http://127.0.0.1:\(server.port)")
        let metadata = try #require(line["metadata"] as? [String: Any])
        #expect(metadata["api"] as? String == server.apiURL)
        #expect(metadata["firstStart"] as? String == "true")
    }

    @Test func serveSaysWhyItCannotStart() async throws {
        let server = try await Self.server()
        defer { server.terminate() }
        let cli = Client()
        let taken = try await cli.run("serve", "--port", "\(server.port)", "--data-dir", TestScratch.path("runhooks-second").path)
        #expect(taken.status != 0)
        #expect(
            taken.stderr.contains("cannot listen on 127.0.0.1:\(server.port) (--host, --port): Address already in use"), "\(taken.stderr)")

        // A log collector parses the refusal like any other line.
        let takenJSON = try await cli.run(
            "serve", "--port", "\(server.port)", "--log-format", "json", "--data-dir", TestScratch.path("runhooks-json").path)
        #expect(takenJSON.status != 0)
        let lines = try takenJSON.stderr.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
        let refusal = try #require(lines.last)
        #expect(refusal["level"] as? String == "critical")
        #expect(
            (refusal["message"] as? String)?.hasPrefix("cannot listen on 127.0.0.1:\(server.port) (--host, --port): Address already in use")
                == true, "\(refusal)")

        // The gossip port is taken (by the first server's HTTP listener): the node stops before
        // it says it listens.
        let gossipTaken = try await cli.run(
            "serve", "--port", "0", "--cluster-port", "\(server.port)", "--cluster-key", String(repeating: "k", count: 32),
            "--data-dir", TestScratch.path("runhooks-third").path)
        #expect(gossipTaken.status != 0)
        #expect(
            gossipTaken.stderr.contains("cannot listen for gossip on port \(server.port) (--cluster-port): Address already in use"),
            "\(gossipTaken.stderr)")
        #expect(!gossipTaken.stdout.contains("runhooks listening on"), "\(gossipTaken.stdout)")

        let file = TestScratch.path("runhooks-a-file").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        let notADirectory = try await cli.run("serve", "--port", "0", "--data-dir", file)
        #expect(notADirectory.status != 0)
        #expect(notADirectory.stderr.contains("the data directory \(file) is a file"), "\(notADirectory.stderr)")
        let underAFile = try await cli.run("serve", "--port", "0", "--data-dir", file + "/data")
        #expect(underAFile.status != 0)
        #expect(underAFile.stderr.contains("cannot create the data directory \(file)/data: Not a directory"), "\(underAFile.stderr)")
    }

    @Test func jobsExportAndImportBetweenAccounts() async throws {
        let server = try await Self.server()
        defer { server.terminate() }
        let source = Client()
        #expect(try await source.run("init", "--api-url", server.apiURL).status == 0)
        #expect(
            try await source.run(
                "jobs", "create", "--name", "nightly", "--cron", "0 3 * * *", "--tz", "Europe/Paris", "--url",
                "https://example.com/n", "--header", "Authorization: Bearer abc", "--tag", "ops", "--description", "backup"
            ).status == 0)
        let paused = try await source.run(
            "jobs", "create", "--name", "every five", "--every", "5m", "--url", "https://example.com/five", "--json")
        let pausedId = try #require((paused.json as? [String: Any])?["id"] as? String)
        #expect(try await source.run("jobs", "pause", pausedId).status == 0)

        let file = TestScratch.path("jobs", suffix: ".json").path
        let exported = try await source.run("jobs", "export", "--file", file)
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stderr.contains("look like credentials (nightly)"))
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        #expect(document["format"] as? String == "runhooks-jobs")
        let jobs = try #require(document["jobs"] as? [[String: Any]])
        #expect(Set(jobs.compactMap { $0["name"] as? String }) == ["nightly", "every five"])
        #expect(jobs.allSatisfy { $0["id"] == nil && $0["createdAt"] == nil })
        #expect(!String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self).contains("rh_live_"))

        let target = Client()
        #expect(try await target.run("init", "--api-url", server.apiURL).status == 0)
        let dry = try await target.run("jobs", "import", file, "--dry-run")
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("2 would be created, 0 skipped, 0 refused"))
        #expect(((try await target.run("jobs", "list", "--json")).json as? [String: Any])?["total"] as? Int == 0)

        let imported = try await target.run("jobs", "import", file)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("2 created, 0 skipped, 0 refused"))
        let listed = try #require(((try await target.run("jobs", "list", "--json")).json as? [String: Any])?["data"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: listed.map { ($0["name"] as? String ?? "", $0) })
        #expect(byName["every five"]?["status"] as? String == "paused")
        #expect((byName["nightly"]?["schedule"] as? [String: Any])?["timezone"] as? String == "Europe/Paris")
        #expect(((byName["nightly"]?["httpConfig"] as? [String: Any])?["headers"] as? [String: String])?["Authorization"] == "Bearer abc")
        #expect(byName["nightly"]?["description"] as? String == "backup")

        // Again: nothing is doubled; a job the server refuses is reported with the reason.
        var withBad = document
        withBad["jobs"] = jobs + [["name": "bad", "schedule": ["type": "interval", "expression": "10"], "httpConfig": ["url": "https://example.com"]]]
        try JSONSerialization.data(withJSONObject: withBad).write(to: URL(fileURLWithPath: file))
        let again = try await target.run("jobs", "import", file, "--json")
        #expect(again.status == 1)
        let report = try #require(again.json as? [[String: String]])
        #expect(report.map { $0["result"] } == ["skipped", "skipped", "refused"])
        #expect(report.last?["detail"]?.contains("schedule.expression") == true)
        try? FileManager.default.removeItem(atPath: file)
    }
}
