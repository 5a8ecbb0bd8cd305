import Foundation
import RunhooksTestSupport
import Testing

/// The real `runhooks serve` on PostgreSQL, driven through the public API as a client would.
@Suite(.enabled(if: PostgresTestDatabase.serverURL != nil, "\(PostgresTestDatabase.skipReason)"))
struct PostgresServerTests {
    @Test func theWholeAPIWorksOnPostgreSQL() async throws {
        let sink = try await SlotSink.start()
        let database = try await ServerBackend.postgres.makeDatabase()
        let directory = TestScratch.path("runhooks-pg").path
        let server = try await ServerProcess.launch(
            dataDirectory: directory, arguments: ["--allow-private-targets", "--rate-limits", "off"] + database.arguments)
        let api = HTTPJSONClient(base: server.apiURL)

        let (registeredStatus, registered) = try await api.send(
            "POST", "/auth/register", body: ["email": "pg" + "\u{40}example.com", "password": "a-long-password", "name": "PG"])
        #expect(registeredStatus == 201)
        let key = try #require((registered["data"] as? [String: Any])?["apiKey"] as? String)
        let userId = try #require(((registered["data"] as? [String: Any])?["user"] as? [String: Any])?["id"] as? String)

        let (cronStatus, cron) = try await api.send(
            "POST", "/jobs", key: key,
            body: [
                "name": "Nightly report", "tags": ["reports", "prod"],
                "schedule": ["type": "cron", "expression": "0 3 * * *", "timezone": "Europe/Berlin"],
                "httpConfig": ["url": "\(await sink.baseURL)/tick", "method": "POST", "body": "{}"],
            ])
        #expect(cronStatus == 201)
        let cronId = try #require((cron["data"] as? [String: Any])?["id"] as? String)
        let interval = try await ClusterTests.createJob("Heartbeat", key: key, via: api, sink: sink)
        #expect(await sink.waitFor(2))

        func list(_ query: String) async throws -> [String] {
            let (_, page) = try await api.send("GET", "/jobs?\(query)", key: key)
            let jobs = (page["data"] as? [String: Any])?["data"] as? [[String: Any]] ?? []
            return jobs.compactMap { $0["id"] as? String }
        }
        #expect(try await list("tag=reports") == [cronId])
        #expect(try await list("name=^heart") == [interval])
        #expect(Set(try await list("limit=10")) == [cronId, interval])

        let (patchStatus, patched) = try await api.send(
            "PATCH", "/jobs/\(cronId)", key: key, body: ["name": "Nightly report v2", "tags": ["reports"]])
        #expect(patchStatus == 200 && (patched["data"] as? [String: Any])?["name"] as? String == "Nightly report v2")
        #expect(try await api.send("PATCH", "/jobs/\(cronId)", key: key, body: ["status": "paused"]).0 == 200)
        #expect(try await list("status=paused") == [cronId])
        #expect(try await api.send("PATCH", "/jobs/\(cronId)", key: key, body: ["status": "active"]).0 == 200)

        let before = await sink.count()
        let (triggerStatus, _) = try await api.send("POST", "/jobs/\(cronId)/trigger", key: key)
        #expect(triggerStatus == 202 || triggerStatus == 200)
        #expect(await sink.waitFor(before + 1))

        let (_, executions) = try await api.send("GET", "/jobs/\(interval)/executions?limit=5", key: key)
        let rows = try #require((executions["data"] as? [String: Any])?["data"] as? [[String: Any]])
        #expect(!rows.isEmpty && rows.allSatisfy { $0["jobId"] as? String == interval })
        let executionId = try #require(rows.first?["id"] as? String)
        let (replayStatus, _) = try await api.send("POST", "/executions/\(executionId)/replay", key: key)
        #expect(replayStatus == 202 || replayStatus == 200)

        let (alertStatus, alert) = try await api.send(
            "POST", "/alerts", key: key,
            body: ["name": "hook", "channel": "webhook", "target": "\(await sink.baseURL)/alert", "jobId": cronId])
        #expect(alertStatus == 201)
        let alertId = try #require((alert["data"] as? [String: Any])?["id"] as? String)
        #expect(try await api.send("GET", "/alerts/\(alertId)/deliveries", key: key).0 == 200)

        let (_, usage) = try await api.send("GET", "/usage/me", key: key)
        #expect(usage["success"] as? Bool == true)

        // The same Idempotency-Key gives the first answer again, from the store.
        let idempotent = ["Idempotency-Key": "create-once-key-0001"]
        let body: [String: Any] = [
            "name": "Once", "schedule": ["type": "interval", "expression": "60000"],
            "httpConfig": ["url": "\(await sink.baseURL)/once", "method": "GET"],
        ]
        let first = try await api.send("POST", "/jobs", key: key, body: body, headers: idempotent)
        let again = try await api.send("POST", "/jobs", key: key, body: body, headers: idempotent)
        #expect(first.0 == 201 && again.0 == 201)
        #expect((first.1["data"] as? [String: Any])?["id"] as? String == (again.1["data"] as? [String: Any])?["id"] as? String)

        // admin works on the same database.
        let admin = try await CLITests.Client().run("admin", "set-plan", userId, "growth", "--database", try #require(database.url))
        #expect(admin.status == 0 && admin.stdout.contains("plan growth"))

        let (rotateStatus, rotated) = try await api.send("POST", "/auth/rotate-key", key: key)
        #expect(rotateStatus == 200)
        let newKey = try #require((rotated["data"] as? [String: Any])?["apiKey"] as? String)
        #expect(try await api.send("GET", "/jobs", key: key).0 == 401)
        #expect(try await api.send("GET", "/jobs", key: newKey).0 == 200)

        await server.shutDown()
        await sink.stop()
        await database.drop()
    }

    @Test func aDatabaseThatCannotBeReachedIsReportedAtOnce() async throws {
        let directory = TestScratch.path("runhooks-pg").path
        let refused = try await CLITests.Client().run(
            "serve", "--port", "0", "--data-dir", directory, "--database", "postgres://runhooks:secret@127.0.0.1:1/runhooks")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("cannot connect to PostgreSQL") && !refused.stderr.contains("secret"))
        let badMode = try await CLITests.Client().run(
            "serve", "--port", "0", "--data-dir", directory, "--database", "postgres://u:p@127.0.0.1/db?sslmode=verify-full")
        #expect(badMode.status != 0 && badMode.stderr.contains("sslmode must be disable, prefer or require"))
    }
}
