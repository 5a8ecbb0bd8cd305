import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import RunhooksServer

/// Kills the real server with SIGKILL while jobs fire every second, restarts it on the same
/// data directory, and checks every slot at a counting sink: none lost (delivered, or counted
/// as missed while the server was down), none delivered twice as a first attempt.
@Suite(.serialized) struct KillRestartTests {
    @Test func noSlotIsLostOrDoubledAcrossKillMinus9() async throws {
        let sink = try await SlotSink.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("runhooks-kill-\(UUID().uuidString)").path
        var server = try ServerProcess(dataDirectory: directory, arguments: ["--allow-private-targets", "--rate-limits", "off"])
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
        server.kill9()
        let beforeRestart = await sink.count()

        server = try ServerProcess(dataDirectory: directory, arguments: ["--allow-private-targets", "--rate-limits", "off"])
        api = HTTPJSONClient(base: server.apiURL)
        #expect(await sink.waitFor(beforeRestart + 9))
        server.terminate()

        // First attempts are never delivered twice for one slot.
        let deliveries = await sink.deliveries()
        let firstAttempts = deliveries.filter { $0.attempt == "1" }
        let keys = firstAttempts.map { "\($0.jobId) \($0.scheduledAt)" }
        #expect(Set(keys).count == keys.count, "a slot was delivered twice")

        // Every slot from the first to the last is either delivered or recorded as missed.
        let check = try ServerProcess(dataDirectory: directory, arguments: ["--allow-private-targets", "--rate-limits", "off"])
        defer { check.terminate() }
        let reader = HTTPJSONClient(base: check.apiURL)
        for jobId in jobIds {
            let (_, page) = try await reader.send("GET", "/jobs/\(jobId)/executions?limit=100", key: key)
            let executions = try #require((page["data"] as? [String: Any])?["data"] as? [[String: Any]])
            let slots = executions.filter { ($0["attempt"] as? Int) == 1 }
                .compactMap { execution -> (Date, Int)? in
                    guard let text = execution["scheduledFor"] as? String, let date = Self.parse(text) else { return nil }
                    return (date, execution["missedSlots"] as? Int ?? 0)
                }
                .sorted { $0.0 < $1.0 }
            #expect(slots.count >= 3)
            for (previous, next) in zip(slots, slots.dropFirst()) {
                let gap = Int((next.0.timeIntervalSince(previous.0) * 1000).rounded())
                #expect(gap == (next.1 + 1) * 1000, "job \(jobId): \(gap) ms between slots with \(next.1) recorded as missed")
            }
        }
        await sink.stop()
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
