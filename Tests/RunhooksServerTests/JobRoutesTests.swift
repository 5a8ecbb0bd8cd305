import Foundation
import HTTPTypes
import RunhooksCore
import Testing

@testable import RunhooksServer

@Suite struct JobRoutesTests {
    @Test func createMatchesTheReferenceExample() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let key = try await api.anonymousKey()
            let result = try await api.createJob(
                key,
                [
                    "name": "Refresh cache",
                    "schedule": ["type": "cron", "expression": "0 * * * *", "timezone": "America/New_York"],
                    "httpConfig": [
                        "url": "https://api.example.com/refresh", "method": "POST", "headers": ["X-Api-Key": "secret"],
                    ],
                    "retryPolicy": ["maxRetries": 3],
                    "tags": ["prod", "cache"],
                ])
            #expect(result.status == .created)
            #expect(result.message == "Job created successfully")
            let job = try #require(result.data.object)
            #expect(Set(job.keys) == [
                "id", "name", "schedule", "httpConfig", "retryPolicy", "status", "tags", "createdAt", "updatedAt",
                "nextExecutionAt",
            ])
            #expect(ObjectIDGenerator.isValid(job["id"]?.string ?? ""))
            #expect(job["schedule"] == ["type": "cron", "expression": "0 * * * *", "timezone": "America/New_York"])
            #expect(job["httpConfig"] == [
                "url": "https://api.example.com/refresh", "method": "POST", "headers": ["X-Api-Key": "secret"],
                "timeoutMs": 30000,
            ])
            #expect(job["retryPolicy"] == ["maxRetries": 3, "initialDelay": 1000, "backoffMultiplier": 2, "maxDelay": 300_000])
            #expect(job["status"] == "active")
            #expect(job["tags"] == ["prod", "cache"])
            let next = try #require(job["nextExecutionAt"]?.string)
            #expect(next.hasSuffix(":00:00.000Z"))
            let created = try #require(job["createdAt"]?.string)
            #expect(created.count == 24 && created.hasSuffix("Z"))
        }
    }

    @Test func listFiltersAndPages() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let key = try await api.anonymousKey()
            let id = try await api.createJob(key, ["name": "Sync inventory", "schedule": ["type": "interval", "expression": "60000"], "httpConfig": ["url": "https://a.example"], "tags": ["prod"]]).data["id"]?.string
            environment.clock.advance(by: 1)
            _ = try await api.createJob(key, ["name": "Refresh CACHE", "schedule": ["type": "interval", "expression": "60000"], "httpConfig": ["url": "https://a.example"], "tags": ["prod", "cache"], "status": "paused"])
            environment.clock.advance(by: 1)
            _ = try await api.createJob(key, ["name": "Other", "schedule": ["type": "cron", "expression": "0 0 * * *"], "httpConfig": ["url": "https://a.example"]])

            let all = try await api.get("/jobs", token: key)
            #expect(all.status == .ok)
            #expect(all.data["total"]?.int == 3 && all.data["page"]?.int == 1 && all.data["limit"]?.int == 20)
            #expect(all.data["totalPages"]?.int == 1)
            #expect(all.data["data"]?.array?.map { $0["name"]?.string ?? "" } == ["Other", "Refresh CACHE", "Sync inventory"])

            let paused = try await api.get("/jobs?status=paused", token: key)
            #expect(paused.data["data"]?.array?.count == 1)
            #expect(paused.data["data"]?[0]?["nextExecutionAt"] == .null)
            #expect(try await api.get("/jobs?tag=prod", token: key).data["total"]?.int == 2)
            #expect(try await api.get("/jobs?name=cache", token: key).data["total"]?.int == 1)
            #expect(try await api.get("/jobs?name=%5Esync", token: key).data["data"]?[0]?["id"]?.string == id)
            // Form encoding, as URLSearchParams sends it: "+" is a space, "%2B" a plus.
            #expect(try await api.get("/jobs?name=sync+inventory", token: key).data["data"]?[0]?["id"]?.string == id)
            #expect(try await api.get("/jobs?name=sync%20inventory", token: key).data["total"]?.int == 1)
            #expect(try await api.get("/jobs?name=sync%2Binventory", token: key).data["total"]?.int == 0)
            let page = try await api.get("/jobs?page=2&limit=2", token: key)
            #expect(page.data["data"]?.array?.count == 1 && page.data["totalPages"]?.int == 2 && page.data["page"]?.int == 2)
            #expect(try await api.get("/jobs?page=9", token: key).data["data"]?.array?.isEmpty == true)

            let invalid: [(String, String)] = [
                ("/jobs?page=0", "page: must be between 1 and 1,000,000"), ("/jobs?page=x", "page: must be a whole number"),
                ("/jobs?limit=0", "limit: must be between 1 and 100"), ("/jobs?limit=101", "limit: must be between 1 and 100"),
                ("/jobs?status=done", "status: must be one of active, paused, completed, failed"),
                ("/jobs?name=" + String(repeating: "n", count: 101), "name: must be at most 100 characters"),
                ("/jobs?name=(a", "name: is not a valid regular expression"),
                // A misspelt filter must not answer as if there were none.
                ("/jobs?stauts=paused", "stauts: is not a query parameter of this list (it takes page, limit, status, tag, name)"),
                ("/jobs?status=paused&status=active", "status: appears more than once"),
                ("/jobs?=paused", "(a parameter with no name): is not a query parameter of this list (it takes page, limit, status, tag, name)"),
                ("/jobs/\(id ?? "")/executions?jobId=\(id ?? "")", "jobId: is not a query parameter of this list (it takes page, limit, status)"),
            ]
            for (path, message) in invalid {
                let result = try await api.get(path, token: key)
                #expect(result.status == .badRequest && result.error == message, "\(path): \(result.json)")
            }
        }
    }

    @Test func patchPutAndDelete() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let key = try await api.anonymousKey()
            let created = try await api.createJob(key)
            let id = try #require(created.data["id"]?.string)

            let paused = try await api.request(.patch, "/jobs/\(id)", token: key, json: ["name": "New name", "status": "paused"])
            #expect(paused.status == .ok)
            #expect(paused.data["name"] == "New name" && paused.data["status"] == "paused")
            #expect(paused.data["nextExecutionAt"] == .null)
            #expect(paused.data["httpConfig"]?["url"] == "https://api.example.com/sync")

            let put = try await api.request(.put, "/jobs/\(id)", token: key, json: ["status": "active", "httpConfig": ["timeoutMs": 5000]])
            #expect(put.status == .ok)
            #expect(put.data["status"] == "active" && put.data["httpConfig"]?["timeoutMs"] == 5000)
            #expect(put.data["httpConfig"]?["method"] == "POST")
            #expect(put.data["nextExecutionAt"]?.string != nil)

            // Echoing the whole job back from a GET works; read-only fields are ignored.
            let fetched = try await api.get("/jobs/\(id)", token: key)
            let echoed = try await api.request(.put, "/jobs/\(id)", token: key, json: fetched.data)
            #expect(echoed.status == .ok && echoed.data["id"]?.string == id)
            // ... but only to its own path: sent to another job's, it would overwrite that one.
            let other = try #require(try await api.createJob(key).data["id"]?.string)
            let misdirected = try await api.request(.put, "/jobs/\(other)", token: key, json: fetched.data)
            #expect(misdirected.status == .badRequest && misdirected.error == "id: is not the id in the path (\(other)); an id cannot change")

            let bad = try await api.request(.patch, "/jobs/\(id)", token: key, json: ["schedule": ["type": "interval", "expression": "10"]])
            #expect(bad.status == .badRequest && bad.error == "schedule.expression: interval must be at least 1,000 ms")
            #expect(try await api.get("/jobs/\(id)", token: key).data["schedule"]?["type"] == "cron")

            let unknown = try await api.request(.patch, "/jobs/\(id)", token: key, json: ["colour": "red"])
            #expect(unknown.status == .badRequest && unknown.error == "colour: is not a known field")

            let deleted = try await api.request(.delete, "/jobs/\(id)", token: key)
            #expect(deleted.status == .ok && deleted.json["success"]?.bool == true)
            #expect(deleted.message == "Job deleted successfully")
            #expect(try await api.get("/jobs/\(id)", token: key).status == .notFound)
            #expect(try await api.request(.delete, "/jobs/\(id)", token: key).status == .notFound)
            #expect(try await api.get("/jobs/not-an-id", token: key).error == "id: must be a 24-character hexadecimal id")
        }
    }

    /// With the engine running the account's shard, `GET /jobs/:id` is served from the node's
    /// job cache: every change made through the API shows at once, and a shard that starts again
    /// (it may have run on another node meanwhile) reads its jobs from the store again.
    @Test func aCachedJobFollowsEveryChangeAndIsReadAgainWhenItsShardRestarts() async throws {
        let environment = try await TestEnvironment.make(engine: true)
        let engine = try #require(environment.services.engine)
        try await engine.start()
        do {
            try await environment.test { api in
                let key = try await api.anonymousKey()
                let created = try await api.createJob(key)
                let id = try #require(created.data["id"]?.string)
                let userId = try #require(try await api.get("/auth/me", token: key).data["id"]?.string)
                let shard = environment.services.ownership.shards.shard(forUser: userId)
                #expect(try await api.get("/jobs/\(id)", token: key).data["name"] == created.data["name"])
                #expect(environment.services.tenants.jobs.job(id: id, userId: userId, shard: shard) != nil)

                _ = try await api.request(.patch, "/jobs/\(id)", token: key, json: ["name": "Renamed"])
                #expect(try await api.get("/jobs/\(id)", token: key).data["name"] == "Renamed")
                _ = try await api.request(.put, "/jobs/\(id)", token: key, json: ["status": "paused"])
                #expect(try await api.get("/jobs/\(id)", token: key).data["status"] == "paused")

                // Changed behind the node's back (as another node would while it ran the shard):
                // the cache still answers until the shard starts here again.
                _ = try await environment.store.deleteJob(id: id, userId: userId)
                #expect(try await api.get("/jobs/\(id)", token: key).status == .ok)
                await engine.abandon([shard])  // as when its lease is lost
                #expect(try await api.get("/jobs/\(id)", token: key).status == .notFound, "the shard is not running here")
                try await engine.startShard(shard, fence: nil)
                #expect(try await api.get("/jobs/\(id)", token: key).status == .notFound)

                let other = try #require(try await api.createJob(key).data["id"]?.string)
                #expect(try await api.get("/jobs/\(other)", token: key).status == .ok)
                #expect(try await api.request(.delete, "/jobs/\(other)", token: key).status == .ok)
                #expect(try await api.get("/jobs/\(other)", token: key).status == .notFound)
            }
        } catch {
            await engine.stop()
            throw error
        }
        await engine.stop()
    }

    @Test func badBodiesAreFourHundredsNeverFiveHundreds() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let key = try await api.anonymousKey()
            let malformed = try await api.request(.post, "/jobs", token: key, raw: "{\"name\": ")
            #expect(malformed.status == .badRequest && malformed.error?.hasPrefix("Malformed JSON body") == true)
            let form = try await api.request(.post, "/jobs", token: key, raw: "name=x", contentType: "application/x-www-form-urlencoded")
            #expect(form.status == .unsupportedMediaType && form.error?.contains("Content-Type must be application/json") == true)
            // Media types are case-insensitive, with parameters and spaces around them allowed.
            for mediaType in ["Application/JSON ; charset=utf-8", "\tapplication/vnd.api+json"] {
                let named = try await api.request(.post, "/jobs", token: key, raw: "{\"name\": \"x\"}", contentType: mediaType)
                #expect(named.status == .badRequest && named.error?.contains("Content-Type") == false)
            }
            let empty = try await api.request(.post, "/jobs", token: key)
            #expect(empty.status == .badRequest && empty.error == "body: a JSON object is required")
            let repeated = try await api.request(
                .post, "/jobs", token: key,
                raw: #"{"name":"a","schedule":{"type":"interval","expression":"60000"},"httpConfig":{"url":"https://a.example"},"name":"b"}"#)
            #expect(repeated.status == .badRequest && repeated.error == "name: appears more than once")
            let array = try await api.request(.post, "/jobs", token: key, raw: "[1,2]")
            #expect(array.status == .badRequest && array.error == "body: must be a JSON object")
            let huge = String(repeating: "x", count: APIRequestBody.maxBytes + 10)
            let tooLarge = try await api.request(.post, "/jobs", token: key, raw: "{\"name\":\"\(huge)\"}")
            #expect(tooLarge.status == .contentTooLarge && tooLarge.json["success"]?.bool == false)
            let missing = try await api.createJob(key, ["name": "x"])
            #expect(missing.status == .badRequest && missing.error == "schedule: is required")
            let nested = try await api.createJob(key, ["name": "x", "schedule": ["type": "cron", "expression": "*/5 * * * *"], "httpConfig": ["url": "https://a.example", "retries": 1]])
            #expect(nested.error == "httpConfig.retries: is not a known field")
        }
    }

    @Test func privateTargetsAreRefusedInAnySpelling() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let key = try await api.anonymousKey()
            for url in [
                "http://127.1/", "http://0x7f000001/", "http://2130706433/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
                "http://localhost:8080/", "http://10.0.0.5/", "http://169.254.169.254/latest/meta-data", "http://100.64.1.1/",
                "http://0.0.0.0/", "http://[fe80::1]/", "http://224.0.0.1/",
            ] {
                let result = try await api.createJob(
                    key, ["name": "x", "schedule": ["type": "interval", "expression": "60000"], "httpConfig": ["url": .string(url)]])
                #expect(result.status == .badRequest, "\(url)")
                #expect(result.error?.hasPrefix("httpConfig.url: must not point to") == true, "\(url): \(result.json)")
            }
            let unresolvable = try await api.createJob(
                key, ["name": "x", "schedule": ["type": "interval", "expression": "60000"], "httpConfig": ["url": "https://not-yet-registered.invalid/hook"]])
            #expect(unresolvable.status == .created)
        }
        let permissive = try await TestEnvironment.make(allowPrivateTargets: true)
        try await permissive.test { api in
            let key = try await api.anonymousKey()
            let result = try await api.createJob(
                key, ["name": "x", "schedule": ["type": "interval", "expression": "60000"], "httpConfig": ["url": "http://127.0.0.1:9/x"]])
            #expect(result.status == .created)
        }
    }

    @Test func planLimitsAreForbidden() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let key = try await api.anonymousKey()
            let retries = try await api.createJob(
                key, ["name": "x", "schedule": ["type": "cron", "expression": "* * * * *"], "httpConfig": ["url": "https://a.example"], "retryPolicy": ["maxRetries": 5]])
            #expect(retries.status == .forbidden)
            #expect(retries.error == "retryPolicy.maxRetries 5 exceeds the free plan's limit of 3 retries")
            let timeout = try await api.createJob(
                key, ["name": "x", "schedule": ["type": "cron", "expression": "* * * * *"], "httpConfig": ["url": "https://a.example", "timeoutMs": 60_000]])
            #expect(timeout.status == .forbidden && timeout.error?.contains("free plan") == true)
            for _ in 0..<3 { #expect(try await api.createJob(key).status == .created) }
            let fourth = try await api.createJob(key)
            #expect(fourth.status == .forbidden)
            #expect(fourth.error?.contains("maxJobs") == true && fourth.error?.contains("free plan allows 3 jobs") == true)
            // Deleting one frees the slot.
            let first = try #require(try await api.get("/jobs", token: key).data["data"]?[0]?["id"]?.string)
            _ = try await api.request(.delete, "/jobs/\(first)", token: key)
            #expect(try await api.createJob(key).status == .created)
        }
    }

    @Test func tenantsCannotSeeEachOther() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let alice = try await api.anonymousKey(name: "alice")
            let bob = try await api.anonymousKey(name: "bob")
            let id = try #require(try await api.createJob(alice).data["id"]?.string)
            #expect(try await api.get("/jobs/\(id)", token: bob).status == .notFound)
            #expect(try await api.get("/jobs/\(id)", token: bob).error == "Job not found")
            #expect(try await api.request(.patch, "/jobs/\(id)", token: bob, json: ["name": "mine"]).status == .notFound)
            #expect(try await api.request(.delete, "/jobs/\(id)", token: bob).status == .notFound)
            #expect(try await api.get("/jobs/\(id)/executions", token: bob).status == .notFound)
            #expect(try await api.get("/executions?jobId=\(id)", token: bob).status == .notFound)
            #expect(try await api.get("/jobs", token: bob).data["total"]?.int == 0)
            #expect(try await api.get("/jobs/\(id)", token: alice).data["name"] == "Sync inventory")
        }
    }
}

extension JobRoutesTests {
    @Test func concurrentPatchesOfOneJobLoseNoField() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let token = try await api.anonymousKey()
            let id = try #require(try await api.createJob(token).data["id"]?.string)
            let patches: [JSONValue] = [
                ["name": "renamed"], ["description": "described"], ["tags": ["a", "b"]], ["retryPolicy": ["maxRetries": 2]],
                ["httpConfig": ["timeoutMs": 7000]], ["status": "paused"],
            ]
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for patch in patches {
                    group.addTask { try await api.request(.patch, "/jobs/\(id)", token: token, json: patch).status }
                }
                for try await status in group { #expect(status == .ok) }
            }
            let job = try await api.get("/jobs/\(id)", token: token).data
            #expect(job["name"] == "renamed" && job["description"] == "described" && job["tags"] == ["a", "b"])
            #expect(job["retryPolicy"]?["maxRetries"]?.int == 2 && job["httpConfig"]?["timeoutMs"]?.int == 7000)
            #expect(job["status"] == "paused")
        }
    }
}

/// `Idempotency-Key` on POST: a repeat gets the first answer, without the work done twice.
@Suite struct IdempotencyTests {
    static let key = HTTPField.Name("Idempotency-Key")!

    @Test func aRepeatedCreateReturnsTheFirstResponseAndCreatesOneJob() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let token = try await api.anonymousKey()
            let first = try await api.request(.post, "/jobs", token: token, json: APIClient.sampleJob, headers: [Self.key: "create-job-key-0001"])
            #expect(first.status == .created)
            let again = try await api.request(.post, "/jobs", token: token, json: APIClient.sampleJob, headers: [Self.key: "create-job-key-0001"])
            #expect(again.status == .created && again.json == first.json)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try await api.get("/jobs", token: token).data["total"]?.int == 1)

            // The same key with another body is refused; another key creates a second job.
            let other: JSONValue = [
                "name": "Other", "schedule": ["type": "cron", "expression": "*/5 * * * *"],
                "httpConfig": ["url": "https://api.example.com/sync", "method": "POST"],
            ]
            let mismatch = try await api.request(.post, "/jobs", token: token, json: other, headers: [Self.key: "create-job-key-0001"])
            #expect(mismatch.status == .conflict)
            #expect(mismatch.error?.hasPrefix("Idempotency-Key: ") == true)

            // Once the job is deleted, the key's replay would name a job that is gone: a 409 says so.
            let firstId = try #require(first.data["id"]?.string)
            #expect(try await api.request(.delete, "/jobs/\(firstId)", token: token).status == .ok)
            let afterDelete = try await api.request(.post, "/jobs", token: token, json: APIClient.sampleJob, headers: [Self.key: "create-job-key-0001"])
            #expect(afterDelete.status == .conflict && afterDelete.error?.contains("(\(firstId)) has since been deleted") == true)
            #expect(try await api.get("/jobs", token: token).data["total"]?.int == 0)
            let second = try await api.request(.post, "/jobs", token: token, json: other, headers: [Self.key: "create-job-key-0002"])
            #expect(second.status == .created)
            #expect(try await api.get("/jobs", token: token).data["total"]?.int == 1)

            // Keys are per user: another account's identical key is a new request.
            let stranger = try await api.anonymousKey(name: "Stranger")
            let theirs = try await api.request(.post, "/jobs", token: stranger, json: APIClient.sampleJob, headers: [Self.key: "create-job-key-0001"])
            #expect(theirs.status == .created && theirs.data["id"] != first.data["id"])

            // A refused request is answered the same way again; a malformed key is a 400.
            let invalid: JSONValue = ["name": "x"]
            let refused = try await api.request(.post, "/jobs", token: token, json: invalid, headers: [Self.key: "bad-request-key-0001"])
            #expect(refused.status == .badRequest)
            #expect(try await api.request(.post, "/jobs", token: token, json: invalid, headers: [Self.key: "bad-request-key-0001"]).json == refused.json)
            let malformed = try await api.request(.post, "/jobs", token: token, json: APIClient.sampleJob, headers: [Self.key: "has space in the key"])
            #expect(malformed.status == .badRequest && malformed.error?.hasPrefix("Idempotency-Key:") == true)
        }
    }

    @Test func aRepeatedKeyRotationKeepsTheFirstNewKey() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let token = try await api.anonymousKey()
            let first = try await api.request(.post, "/auth/rotate-key", token: token, headers: [Self.key: "rotate-api-key-0001"])
            let newKey = try #require(first.data["apiKey"]?.string)
            // The client lost the answer and retries with its old key: that key no longer works.
            #expect(try await api.request(.post, "/auth/rotate-key", token: token, headers: [Self.key: "rotate-api-key-0001"]).status == .unauthorized)
            let again = try await api.request(.post, "/auth/rotate-key", token: newKey, headers: [Self.key: "rotate-api-key-0001"])
            #expect(again.json == first.json)
            #expect(try await api.get("/auth/me", token: newKey).status == .ok)
        }
    }

    @Test func keysExpireAfterADay() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let token = try await api.anonymousKey()
            _ = try await api.request(.post, "/jobs", token: token, json: APIClient.sampleJob, headers: [Self.key: "daily-expiry-key-0001"])
            environment.clock.advance(by: 86_401)
            let later = try await api.request(.post, "/jobs", token: token, json: APIClient.sampleJob, headers: [Self.key: "daily-expiry-key-0001"])
            #expect(later.status == .created && later.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            #expect(try await api.get("/jobs", token: token).data["total"]?.int == 2)
        }
    }
}
