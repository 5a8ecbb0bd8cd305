import Foundation
import RunhooksTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import RunhooksServer

/// Kills the real server with SIGKILL while jobs fire every second, restarts it on the same
/// data directory, and checks every slot at a counting sink: none lost (delivered, or counted
/// as missed while the server was down), none delivered twice as a first attempt.
@Suite(.serialized) struct KillRestartTests {
    @Test(arguments: ServerBackend.available) func noSlotIsLostOrDoubledAcrossKillMinus9(_ backend: ServerBackend) async throws {
        let sink = try await SlotSink.start()
        let directory = TestScratch.path("runhooks-kill").path
        let database = try await backend.makeDatabase()
        let arguments = ["--allow-private-targets", "--rate-limits", "off"] + database.arguments
        var server = try await ServerProcess.launch(dataDirectory: directory, arguments: arguments)
        var api = HTTPJSONClient(base: server.apiURL)
        let (_, registered) = try await api.send("POST", "/auth/register-anonymous", body: ["name": "kill test"])
        let key = try #require((registered["data"] as? [String: Any])?["apiKey"] as? String)
        var jobIds: [String] = []
        for index in 0..<3 {
            let (status, created) = try await api.send(
                "POST", "/jobs", key: key,
                body: [
                    "name": "tick \(index)", "schedule": ["type": "interval", "expression": "1000"],
                    "httpConfig": ["url": "\(await sink.baseURL)/tick", "method": "POST"],
                ])
            #expect(status == 201)
            jobIds.append(try #require((created["data"] as? [String: Any])?["id"] as? String))
        }
        #expect(await sink.waitFor(6))
        await server.kill9()
        let beforeRestart = await sink.count()

        server = try await ServerProcess.launch(dataDirectory: directory, arguments: arguments)
        api = HTTPJSONClient(base: server.apiURL)
        #expect(await sink.waitFor(beforeRestart + 9))
        await server.shutDown()

        // First attempts are never delivered twice for one slot.
        #expect(await sink.firstAttemptsAreUnique(), "a slot was delivered twice")

        // Every slot from the first to the last is either delivered or recorded as missed.
        let check = try await ServerProcess.launch(dataDirectory: directory, arguments: arguments)
        defer { check.terminate() }
        let reader = HTTPJSONClient(base: check.apiURL)
        for jobId in jobIds {
            let (_, page) = try await reader.send("GET", "/jobs/\(jobId)/executions?limit=100", key: key)
            let executions = try #require((page["data"] as? [String: Any])?["data"] as? [[String: Any]])
            #expect(executions.filter { ($0["attempt"] as? Int) == 1 }.count >= 3)
            let gaps = Self.gapsNotRecordedAsMissed(executions, everyMs: 1000)
            #expect(gaps.isEmpty, "job \(jobId): \(gaps)")
        }
        await sink.stop()
        check.terminate()
        await database.drop()
    }

    /// Between consecutive first attempts of an interval job, the gap must be one period plus
    /// one for every slot the later one records as missed; returns the gaps that are not.
    static func gapsNotRecordedAsMissed(_ executions: [[String: Any]], everyMs period: Int) -> [String] {
        let slots = executions.filter { ($0["attempt"] as? Int) == 1 }
            .compactMap { execution -> (Date, Int)? in
                guard let text = execution["scheduledFor"] as? String, let date = parse(text) else { return nil }
                return (date, execution["missedSlots"] as? Int ?? 0)
            }
            .sorted { $0.0 < $1.0 }
        return zip(slots, slots.dropFirst()).compactMap { previous, next in
            let gap = Int((next.0.timeIntervalSince(previous.0) * 1000).rounded())
            return gap == (next.1 + 1) * period ? nil : "\(gap) ms before \(next.0) with \(next.1) recorded as missed"
        }
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
