import Foundation
import Testing

@testable import RunhooksCore

@Suite struct JobSpecTests {
    let rules = JobRules(minIntervalMs: 1000)

    func valid(_ changes: [String: JSONValue] = [:]) -> JSONValue {
        var body: [String: JSONValue] = [
            "name": "Sync inventory",
            "schedule": ["type": "cron", "expression": "*/5 * * * *"],
            "httpConfig": ["url": "https://api.example.com/sync", "method": "POST"],
        ]
        for (key, value) in changes { body[key] = value }
        return .object(body)
    }

    func failure(_ body: JSONValue) -> ValidationError? {
        do {
            _ = try JobSpec(validating: body, rules: rules)
            return nil
        } catch {
            return error
        }
    }

    @Test func defaultsMatchTheReference() throws {
        let spec = try JobSpec(validating: valid(), rules: rules)
        #expect(spec.httpConfig.method == .POST)
        #expect(spec.httpConfig.timeoutMs == 30_000)
        #expect(spec.retryPolicy == RetryPolicy(maxRetries: 3, initialDelay: 1000, backoffMultiplier: 2, maxDelay: 300_000))
        #expect(spec.status == .active)
        #expect(spec.tags == [])
        let get = try JobSpec(validating: valid(["httpConfig": ["url": "https://x.example"]]), rules: rules)
        #expect(get.httpConfig.method == .GET)
    }

    @Test(arguments: [
        ("name", JSONValue.null, "name", "is required"),
        ("name", "", "name", "must not be empty"),
        ("name", .string(String(repeating: "n", count: 256)), "name", "at most 255"),
        ("name", 5, "name", "must be a string"),
        ("name", "   ", "name", "must not be blank"),
        ("name", "a\u{0}b", "name", "control characters"),
        ("tags", ["a\nb"], "tags[0]", "control characters"),
        ("description", .string(String(repeating: "d", count: 2001)), "description", "at most 2000"),
        ("schedule", .null, "schedule", "is required"),
        ("schedule", "cron", "schedule", "must be a JSON object"),
        ("schedule", ["type": "daily", "expression": "1"], "schedule.type", "\"cron\" or \"interval\""),
        ("schedule", ["type": "cron"], "schedule.expression", "is required"),
        ("schedule", ["type": "cron", "expression": "* * *"], "schedule.expression", "expected 5 fields"),
        ("schedule", ["type": "cron", "expression": "0 0 31 2 *"], "schedule.expression", "never matches"),
        ("schedule", ["type": "cron", "expression": "* * * * *", "timezone": "Nowhere/City"], "schedule.timezone", "IANA"),
        ("schedule", ["type": "cron", "expression": "* * * * *", "timezone": "../../etc/passwd"], "schedule.timezone", "IANA"),
        ("schedule", ["type": "cron", "expression": "* * * * *", "timezone": "posix/Europe/London"], "schedule.timezone", "IANA"),
        ("schedule", ["type": "interval", "expression": "999"], "schedule.expression", "at least 1,000 ms"),
        ("schedule", ["type": "interval", "expression": "1e5"], "schedule.expression", "digits"),
        ("schedule", ["type": "interval", "expression": "-5000"], "schedule.expression", "digits"),
        ("schedule", ["type": "interval", "expression": "99999999999999"], "schedule.expression", "at most"),
        ("schedule", ["type": "interval", "expression": "60000", "timezone": "UTC"], "schedule.timezone", "cron schedules only"),
        ("schedule", ["type": "cron", "expression": "* * * * *", "every": 5], "schedule.every", "not a known field"),
        ("httpConfig", .null, "httpConfig", "is required"),
        ("httpConfig", ["method": "GET"], "httpConfig.url", "is required"),
        ("httpConfig", ["url": "not a url"], "httpConfig.url", "valid URL"),
        ("httpConfig", ["url": "ftp://example.com"], "httpConfig.url", "http or https"),
        ("httpConfig", ["url": "https://x.example", "method": "FETCH"], "httpConfig.method", "must be one of"),
        ("httpConfig", ["url": "https://x.example", "method": "get"], "httpConfig.method", "must be one of"),
        ("httpConfig", ["url": "https://x.example", "headers": ["X-A": 1]], "httpConfig.headers.X-A", "must be a string"),
        ("httpConfig", ["url": "https://x.example", "headers": "x"], "httpConfig.headers", "object"),
        ("httpConfig", ["url": "https://x.example", "headers": ["Bad Name": "v"]], "httpConfig.headers.Bad Name", "header name"),
        ("httpConfig", ["url": "https://x.example", "headers": ["X-A": "a\r\nb"]], "httpConfig.headers.X-A", "line breaks"),
        ("httpConfig", ["url": "https://x.example", "headers": ["Host": "evil"]], "httpConfig.headers.Host", "cannot be overridden"),
        ("httpConfig", ["url": "https://x.example", "timeoutMs": 999], "httpConfig.timeoutMs", "between 1,000 and 300,000"),
        ("httpConfig", ["url": "https://x.example", "timeoutMs": 300_001], "httpConfig.timeoutMs", "between 1,000 and 300,000"),
        ("httpConfig", ["url": "https://x.example", "timeoutMs": 1500.5], "httpConfig.timeoutMs", "whole number"),
        ("httpConfig", ["url": "https://x.example", "timeoutMs": "5000"], "httpConfig.timeoutMs", "must be a number"),
        ("retryPolicy", ["maxRetries": 11], "retryPolicy.maxRetries", "between 0 and 10"),
        ("retryPolicy", ["maxRetries": -1], "retryPolicy.maxRetries", "between 0 and 10"),
        ("retryPolicy", ["initialDelay": 99], "retryPolicy.initialDelay", "between 100 and 60,000"),
        ("retryPolicy", ["initialDelay": 60_001], "retryPolicy.initialDelay", "between 100 and 60,000"),
        ("retryPolicy", ["backoffMultiplier": 0.5], "retryPolicy.backoffMultiplier", "between 1 and 10"),
        ("retryPolicy", ["backoffMultiplier": 11], "retryPolicy.backoffMultiplier", "between 1 and 10"),
        ("retryPolicy", ["maxDelay": 999], "retryPolicy.maxDelay", "between 1,000 and 3,600,000"),
        ("retryPolicy", ["maxDelay": 3_600_001], "retryPolicy.maxDelay", "between 1,000 and 3,600,000"),
        ("tags", "prod", "tags", "array of strings"),
        ("tags", [1], "tags[0]", "must be a string"),
        ("tags", [""], "tags[0]", "must not be empty"),
        ("tags", [.string(String(repeating: "t", count: 51))], "tags[0]", "at most 50"),
        ("tags", .array((0...20).map { .string("t\($0)") }), "tags", "at most 20 items"),
        ("status", "completed", "status", "\"active\" or \"paused\""),
        ("bogus", 1, "bogus", "not a known field"),
    ] as [(String, JSONValue, String, String)])
    func eachRuleNamesItsField(key: String, value: JSONValue, field: String, message: String) throws {
        let error = try #require(failure(valid([key: value])))
        #expect(error.field == field)
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test func bodyLimitIsOneMegabyte() throws {
        let atLimit = String(repeating: "b", count: JobRules.maxBodyBytes)
        _ = try JobSpec(validating: valid(["httpConfig": ["url": "https://x.example", "body": .string(atLimit)]]), rules: rules)
        let error = try #require(failure(valid(["httpConfig": ["url": "https://x.example", "body": .string(atLimit + "b")]])))
        #expect(error.field == "httpConfig.body")
    }

    @Test func limitsAtTheEdgesAreAccepted() throws {
        let spec = try JobSpec(
            validating: valid([
                "name": .string(String(repeating: "n", count: 255)),
                "httpConfig": ["url": "https://x.example", "timeoutMs": 300_000],
                "retryPolicy": ["maxRetries": 10, "initialDelay": 100, "backoffMultiplier": 1.5, "maxDelay": 3_600_000],
                "tags": .array((0..<20).map { _ in .string(String(repeating: "t", count: 50)) }),
                "schedule": ["type": "interval", "expression": "1000"],
            ]), rules: rules)
        #expect(spec.retryPolicy.backoffMultiplier == 1.5)
    }

    @Test(arguments: ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Etc/GMT+5", "UTC", "Asia/Kolkata"])
    func ianaZonesAreAccepted(zone: String) throws {
        let spec = try JobSpec(validating: valid(["schedule": ["type": "cron", "expression": "0 9 * * *", "timezone": .string(zone)]]), rules: rules)
        #expect(spec.schedule.timezone == zone)
    }

    @Test func minimumIntervalComesFromTheServer() throws {
        let body = valid(["schedule": ["type": "interval", "expression": "1000"]])
        #expect(throws: ValidationError.self) { try JobSpec(validating: body, rules: JobRules(minIntervalMs: 5000)) }
    }

    @Test func readOnlyFieldsFromAGetAreIgnored() throws {
        _ = try JobSpec(validating: valid(["id": "665a1b2c3d4e5f6a7b8c9d0e", "nextExecutionAt": .null, "createdAt": "x"]), rules: rules)
    }

    @Test func topLevelMustBeAnObject() throws {
        let error = try #require(failure(["a", "b"]))
        #expect(error.field == "body")
    }

    @Test func planCapsAreForbiddenNotInvalid() throws {
        let spec = try JobSpec(validating: valid(["retryPolicy": ["maxRetries": 5]]), rules: rules)
        #expect(throws: PlanLimitError.self) { try spec.checkPlan(.free) }
        try spec.checkPlan(.starter)
        let slow = try JobSpec(validating: valid(["httpConfig": ["url": "https://x.example", "timeoutMs": 60_000]]), rules: rules)
        #expect {
            try slow.checkPlan(.free)
        } throws: { error in
            "\(error)".contains("free plan") && "\(error)".contains("30,000")
        }
    }
}

@Suite struct JobMergeTests {
    let rules = JobRules()
    let job = Job(
        id: "665a1b2c3d4e5f6a7b8c9d0e", userId: "u", name: "Original", description: "desc",
        schedule: Schedule(kind: .cron, expression: "0 * * * *", timezone: "Europe/London"),
        httpConfig: HTTPConfig(url: "https://x.example/a", method: .POST, headers: ["A": "1"], body: "{}", timeoutMs: 5000),
        retryPolicy: RetryPolicy(maxRetries: 2, initialDelay: 500, backoffMultiplier: 3, maxDelay: 10_000),
        status: .paused, tags: ["t"], createdAt: Date(), updatedAt: Date(), anchorAt: Date())

    @Test func onlyGivenFieldsChange() throws {
        let spec = try JobSpec(merging: ["name": "Renamed", "httpConfig": ["timeoutMs": 7000]], into: job, rules: rules)
        #expect(spec.name == "Renamed")
        #expect(spec.description == "desc")
        #expect(spec.httpConfig == HTTPConfig(url: "https://x.example/a", method: .POST, headers: ["A": "1"], body: "{}", timeoutMs: 7000))
        #expect(spec.retryPolicy == job.retryPolicy)
        #expect(spec.schedule == job.schedule)
        #expect(spec.status == .paused)
        #expect(spec.tags == ["t"])
    }

    @Test func scheduleIsReplacedWhole() throws {
        let spec = try JobSpec(merging: ["schedule": ["type": "interval", "expression": "60000"]], into: job, rules: rules)
        #expect(spec.schedule == Schedule(kind: .interval, expression: "60000"))
    }

    @Test func nullClearsOptionalFields() throws {
        let spec = try JobSpec(merging: ["description": .null, "httpConfig": ["body": .null, "headers": .null]], into: job, rules: rules)
        #expect(spec.description == nil)
        #expect(spec.httpConfig.body == nil)
        #expect(spec.httpConfig.headers == nil)
    }

    @Test func mergedJobIsValidatedAsAWhole() throws {
        #expect {
            try JobSpec(merging: ["name": .null], into: job, rules: rules)
        } throws: { ($0 as? ValidationError)?.field == "name" }
        #expect {
            try JobSpec(merging: ["httpConfig": ["url": "gopher://x"]], into: job, rules: rules)
        } throws: { ($0 as? ValidationError)?.field == "httpConfig.url" }
        #expect {
            try JobSpec(merging: ["retryPolicy": ["maxRetries": 99]], into: job, rules: rules)
        } throws: { ($0 as? ValidationError)?.field == "retryPolicy.maxRetries" }
    }

    /// A job read with GET may be sent back whole, but only to its own path: sent to another
    /// job's, it would overwrite that one.
    @Test func anEchoedIdMustBeTheJobsOwn() throws {
        let echoed = try JobSpec(
            merging: ["id": .string(job.id), "createdAt": "2020-01-01T00:00:00.000Z", "name": "Renamed"], into: job, rules: rules)
        #expect(echoed.name == "Renamed")
        #expect {
            try JobSpec(merging: ["id": "665a1b2c3d4e5f6a7b8c9d0f", "name": "Renamed"], into: job, rules: rules)
        } throws: { error in
            (error as? ValidationError)?.description == "id: is not the id in the path (665a1b2c3d4e5f6a7b8c9d0e); an id cannot change"
        }
    }

    @Test func statusCanBeChanged() throws {
        let spec = try JobSpec(merging: ["status": "active"], into: job, rules: rules)
        #expect(spec.status == .active)
    }
}
