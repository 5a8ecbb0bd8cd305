import Foundation
import RunhooksCore
import RunhooksStore
import Testing

@testable import RunhooksServer

@Suite struct ExecutionRoutesTests {
    /// Executions are written by the engine; here the test writes them straight to the store.
    func recordExecutions(_ environment: TestEnvironment, jobId: String, token: String) async throws -> [Execution] {
        let user = try #require(try await environment.services.auth.authenticate(bearer: token))
        let base = environment.clock.now()
        var executions: [Execution] = []
        for (index, status) in [Execution.Status.success, .failed, .deadLetter].enumerated() {
            let execution = Execution(
                id: environment.services.ids.next(), jobId: jobId, userId: user.id, status: status,
                scheduledFor: base + Double(index * 60), attempt: 1, startedAt: base + Double(index * 60),
                completedAt: base + Double(index * 60) + 1.234, durationMs: 1234,
                httpStatusCode: status == .success ? 200 : 500, responseBody: "{\"ok\":true}",
                error: status == .success ? nil : "HTTP 500", createdAt: base + Double(index * 60))
            try await environment.store.insertExecution(execution)
            executions.append(execution)
        }
        return executions
    }

    @Test func listsFiltersAndShapes() async throws {
        let environment = try await TestEnvironment.make()
        environment.clock.set(Date(milliseconds: 1_736_942_400_000))
        try await environment.test { api in
            let key = try await api.anonymousKey()
            let jobId = try #require(try await api.createJob(key).data["id"]?.string)
            let executions = try await recordExecutions(environment, jobId: jobId, token: key)

            let forJob = try await api.get("/jobs/\(jobId)/executions", token: key)
            #expect(forJob.status == .ok && forJob.data["total"]?.int == 3)
            let newest = try #require(forJob.data["data"]?[0]?.object)
            #expect(newest["id"]?.string == executions[2].id)
            #expect(newest["jobId"]?.string == jobId && newest["status"] == "dead_letter" && newest["attempt"] == 1)
            #expect(newest["durationMs"] == 1234 && newest["httpStatusCode"] == 500 && newest["responseBody"] == "{\"ok\":true}")
            #expect(newest["startedAt"]?.string?.hasSuffix(".000Z") == true)
            #expect(newest["completedAt"]?.string?.hasSuffix(".234Z") == true)

            let failed = try await api.get("/jobs/\(jobId)/executions?status=failed", token: key)
            #expect(failed.data["data"]?.array?.map { $0["id"]?.string } == [executions[1].id])
            let all = try await api.get("/executions?limit=2", token: key)
            #expect(all.data["total"]?.int == 3 && all.data["totalPages"]?.int == 2 && all.data["data"]?.array?.count == 2)
            #expect(try await api.get("/executions?jobId=\(jobId)&status=success", token: key).data["total"]?.int == 1)
            #expect(try await api.get("/executions?status=exploded", token: key).status == .badRequest)
            #expect(
                try await api.get("/executions?job_id=\(jobId)", token: key).error
                    == "job_id: is not a query parameter of this list (it takes page, limit, status, jobId)")
            #expect(try await api.get("/executions?jobId=xyz", token: key).error == "jobId: must be a 24-character hexadecimal id")
            #expect(try await api.get("/executions?jobId=665a1b2c3d4e5f6a7b8c9d0e", token: key).status == .notFound)

            let stranger = try await api.anonymousKey(name: "stranger")
            #expect(try await api.get("/executions", token: stranger).data["total"]?.int == 0)
        }
    }

    @Test func oneExecutionIsReadByIdAndOnlyByItsOwner() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let key = try await api.anonymousKey()
            let jobId = try #require(try await api.createJob(key).data["id"]?.string)
            let executions = try await recordExecutions(environment, jobId: jobId, token: key)
            let found = try await api.get("/executions/\(executions[2].id)", token: key)
            #expect(found.status == .ok)
            #expect(found.data["id"]?.string == executions[2].id && found.data["jobId"]?.string == jobId)
            #expect(found.data["status"] == "dead_letter" && found.data["httpStatusCode"] == 500)
            let listed = try await api.get("/executions?limit=1", token: key)
            #expect(listed.data["data"]?[0] == found.data)

            let stranger = try await api.anonymousKey(name: "stranger")
            let hidden = try await api.get("/executions/\(executions[2].id)", token: stranger)
            #expect(hidden.status == .notFound && hidden.error == "Execution not found")
            #expect(try await api.get("/executions/665a1b2c3d4e5f6a7b8c9d0e", token: key).status == .notFound)
            let malformed = try await api.get("/executions/xyz", token: key)
            #expect(malformed.status == .badRequest && malformed.error?.hasPrefix("id:") == true)
        }
    }

    @Test func replayIsAcceptedAndRecorded() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let key = try await api.anonymousKey()
            let jobId = try #require(try await api.createJob(key).data["id"]?.string)
            let executions = try await recordExecutions(environment, jobId: jobId, token: key)
            let replay = try await api.post("/executions/\(executions[1].id)/replay", token: key)
            #expect(replay.status == .accepted)
            #expect(replay.message == "Execution replay enqueued")
            let pending = try await environment.store.pendingReplayRequests(limit: 10)
            #expect(pending.map(\.executionId) == [executions[1].id])
            #expect(pending.first?.jobId == jobId)
            // The answer names the execution the new run will be recorded as: the request's id.
            let request = try #require(pending.first)
            #expect(
                replay.data == [
                    "executionId": .string(request.id), "jobId": .string(jobId), "replayOf": .string(executions[1].id),
                    "requestedAt": .string(request.requestedAt.iso8601Milliseconds),
                ])

            let stranger = try await api.anonymousKey(name: "stranger")
            #expect(try await api.post("/executions/\(executions[1].id)/replay", token: stranger).status == .notFound)
            #expect(try await api.post("/executions/665a1b2c3d4e5f6a7b8c9d0e/replay", token: key).status == .notFound)
        }
    }
}

@Suite struct AlertRoutesTests {
    let target = APIClient.email("oncall")

    @Test func crudMatchesTheReference() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let key = try await api.anonymousKey()
            let userId = try #require(try await api.get("/auth/me", token: key).data["id"]?.string)
            let created = try await api.post(
                "/alerts", token: key,
                json: ["name": "All failures", "channel": "email", "target": .string(target), "consecutiveFailuresThreshold": 3, "cooldownMinutes": 30])
            #expect(created.status == .created && created.message == "Alert config created")
            let alert = try #require(created.data.object)
            #expect(Set(alert.keys) == [
                "id", "userId", "name", "channel", "target", "consecutiveFailuresThreshold", "cooldownMinutes", "enabled",
                "createdAt", "updatedAt",
            ])
            #expect(alert["userId"]?.string == userId && alert["enabled"] == true && alert["cooldownMinutes"] == 30)
            let id = try #require(alert["id"]?.string)

            let list = try await api.get("/alerts", token: key)
            #expect(list.data.array?.count == 1)
            #expect(try await api.get("/alerts/\(id)", token: key).data["name"] == "All failures")

            let disabled = try await api.request(.put, "/alerts/\(id)", token: key, json: ["enabled": false])
            #expect(disabled.status == .ok && disabled.data["enabled"] == false && disabled.data["consecutiveFailuresThreshold"] == 3)
            let invalid = try await api.request(.put, "/alerts/\(id)", token: key, json: ["channel": "webhook"])
            #expect(invalid.status == .badRequest && invalid.error?.hasPrefix("target:") == true)

            let limit = try await api.post("/alerts", token: key, json: ["name": "Second", "channel": "email", "target": .string(target)])
            #expect(limit.status == .forbidden && limit.error?.contains("maxAlertConfigs") == true)
            #expect(limit.error?.contains("the free plan allows 1 alert configuration (maxAlertConfigs)") == true)

            let stranger = try await api.anonymousKey(name: "stranger")
            #expect(try await api.get("/alerts/\(id)", token: stranger).status == .notFound)
            #expect(try await api.request(.put, "/alerts/\(id)", token: stranger, json: ["enabled": true]).status == .notFound)
            #expect(try await api.request(.delete, "/alerts/\(id)", token: stranger).status == .notFound)
            #expect(try await api.get("/alerts", token: stranger).data.array?.isEmpty == true)

            let history = try await api.get("/alerts/\(id)/deliveries", token: key)
            #expect(history.status == .ok)
            #expect(history.data == ["data": [], "total": 0, "page": 1, "limit": 20, "totalPages": 0])
            #expect(try await api.get("/alerts/\(id)/deliveries", token: stranger).status == .notFound)
            #expect(try await api.get("/alerts/\(id)/deliveries?limit=0", token: key).status == .badRequest)

            let deleted = try await api.request(.delete, "/alerts/\(id)", token: key)
            #expect(deleted.status == .ok && deleted.message == "Alert config deleted")
            #expect(try await api.get("/alerts/\(id)", token: key).status == .notFound)
        }
    }

    @Test func jobScopeAndTargetsAreChecked() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let key = try await api.anonymousKey()
            let other = try await api.anonymousKey(name: "other")
            let othersJob = try #require(try await api.createJob(other).data["id"]?.string)
            let foreign = try await api.post(
                "/alerts", token: key, json: ["name": "x", "channel": "webhook", "target": "https://hooks.example.com/x", "jobId": .string(othersJob)])
            #expect(foreign.status == .conflict && foreign.error == "jobId: no job with this id belongs to you")
            let loopback = try await api.post("/alerts", token: key, json: ["name": "x", "channel": "webhook", "target": "http://127.0.0.1/hook"])
            #expect(loopback.status == .badRequest && loopback.error?.hasPrefix("target: must not point to") == true)
            let slackHTTP = try await api.post("/alerts", token: key, json: ["name": "x", "channel": "slack", "target": "http://hooks.slack.com/x"])
            #expect(slackHTTP.status == .badRequest && slackHTTP.error == "target: must use https, got 'http'")
            let jobId = try #require(try await api.createJob(key).data["id"]?.string)
            let scoped = try await api.post(
                "/alerts", token: key, json: ["name": "x", "channel": "slack", "target": "https://hooks.slack.com/x", "jobId": .string(jobId)])
            #expect(scoped.status == .created && scoped.data["jobId"]?.string == jobId)
        }
    }
}

@Suite struct UsageAndHealthTests {
    @Test func usageHasTheReferenceShape() async throws {
        let environment = try await TestEnvironment.make()
        environment.clock.set(Date(milliseconds: 1_736_942_400_000))  // 2025-01-15T12:00:00Z
        try await environment.test { api in
            let key = try await api.anonymousKey()
            _ = try await api.createJob(key)
            let user = try #require(try await environment.services.auth.authenticate(bearer: key))
            try await environment.store.addRuns(userId: user.id, count: 42, at: environment.clock.now())
            let usage = try await api.get("/usage/me", token: key)
            #expect(usage.status == .ok)
            #expect(usage.data["plan"] == "free")
            #expect(usage.data["limits"] == [
                "maxJobs": 3, "maxDailyRuns": 200, "maxMonthlyRuns": 2000, "maxRetries": 3, "maxRequestTimeoutMs": 30000,
                "maxAlertConfigs": 1, "retentionDays": 1, "concurrency": 1,
            ])
            #expect(usage.data["usage"] == [
                "jobs": ["used": 1, "limit": 3, "unlimited": false],
                "dailyRuns": ["used": 42, "limit": 200, "unlimited": false, "resetsAt": "2025-01-16T00:00:00.000Z"],
                "monthlyRuns": ["used": 42, "limit": 2000, "unlimited": false, "resetsAt": "2025-02-01T00:00:00.000Z"],
                "alertConfigs": ["used": 0, "limit": 1, "unlimited": false],
            ])
        }
    }

    @Test func healthIsPublicAndReportsTheStore() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let healthy = try await api.get("/health")
            #expect(healthy.status == .ok)
            #expect(healthy.data["status"] == "ok" && healthy.data["version"] == "0.1.0")
            #expect(healthy.data["uptime"]?.int != nil && healthy.data["timestamp"]?.string?.hasSuffix("Z") == true)
            #expect(healthy.data["services"]?["store"]?["status"] == "ok")
            try FileManager.default.removeItem(at: environment.directory)
            let degraded = try await api.get("/health")
            #expect(degraded.status == .serviceUnavailable)
            #expect(degraded.json["success"] == false && degraded.data["status"] == "degraded")
            #expect(degraded.data["services"]?["store"]?["status"] == "error")
        }
    }

    @Test func unknownRoutesAreEnvelopedNotFound() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            for path in ["/nope", "/jobs/665a1b2c3d4e5f6a7b8c9d0e/unknown"] {
                let result = try await api.get(path)
                #expect(result.status == .notFound && result.json == ["success": false, "error": "Route not found"])
            }
        }
    }
}
