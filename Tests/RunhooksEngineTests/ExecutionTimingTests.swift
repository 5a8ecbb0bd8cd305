import Foundation
import RunhooksCore
import RunhooksStore
import Testing

@testable import RunhooksEngine

/// Every attempt records where its time went, phase by phase, and how late it left.
struct ExecutionTimingTests {
    @Test func phasesOfANewAndOfAReusedConnection() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        // By name, so the host is resolved; 127.0.0.1 below is a literal and needs no DNS.
        let named = try await harness.createJob("http://localhost:\(await sink.port)/named")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(2))
        let runs = try await harness.executions(named.id)
        #expect(runs.map(\.status) == [.success, .success])
        let first = try #require(runs.first?.timing)
        #expect(first.dnsMs != nil && first.connectMs != nil && first.firstByteMs != nil)
        #expect(first.tlsMs == nil, "plain http has no TLS")
        #expect(first.totalMs >= (first.firstByteMs ?? 0))
        let second = try #require(runs.last?.timing)
        #expect(second.connectMs == nil, "the second request reuses the connection")
        #expect(second.firstByteMs != nil)
        // The manual clock stands still while the request goes: it left exactly on its slot.
        #expect(runs.allSatisfy { $0.lateMs == 0 })

        let literal = try await harness.createJob("\(await sink.baseURL)/literal")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(4))
        let literalRun = try #require(try await harness.executions(literal.id).first?.timing)
        #expect(literalRun.dnsMs == nil, "a literal address is not resolved")
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aTimeoutHasNoFirstByteAndATargetThatRefusesHasNoConnection() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let hanging = try await harness.createJob("\(await sink.baseURL)/hang", timeoutMs: 300)
        let closed = try await harness.createJob("http://127.0.0.1:1/nothing")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(2))
        let timedOut = try #require(try await harness.executions(hanging.id).first)
        #expect(timedOut.error?.hasPrefix("timed out after 300 ms") == true)
        let timing = try #require(timedOut.timing)
        #expect(timing.connectMs != nil && timing.firstByteMs == nil)
        #expect(timing.totalMs >= 300)
        let refused = try #require(try await harness.executions(closed.id).first)
        #expect(refused.error?.hasPrefix("connection refused") == true)
        #expect(refused.timing?.connectMs == nil && refused.timing?.firstByteMs == nil)
        await harness.engine.stop()
        await sink.stop()
    }

    /// A HEAD answer has no body whatever its Content-Length says; the connection stays usable.
    @Test func headRequestsAndKeptAliveConnectionsStayInStep() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let head = try await harness.createJob("\(await sink.baseURL)/head", method: .HEAD)
        let post = try await harness.createJob("\(await sink.baseURL)/after-head", body: "{}")
        for round in 1...3 {
            harness.clock.advance(by: 60)
            #expect(await harness.waitForAttempts(2 * round))
        }
        #expect(try await harness.executions(head.id).map(\.status) == [.success, .success, .success])
        #expect(try await harness.executions(post.id).map(\.responseBody) == Array(repeating: "{\"ok\":true}", count: 3))
        #expect(await sink.requests("/head").allSatisfy { $0.method == "HEAD" })
        await harness.engine.stop()
        await sink.stop()
    }
}
