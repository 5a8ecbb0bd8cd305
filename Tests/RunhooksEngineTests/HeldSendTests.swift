import Foundation
import NIOCore
import RunhooksCore
import Testing

@testable import RunhooksEngine

/// A delivery claimed ahead of its slot is held by the event loop that writes it, not by a
/// task that wakes for it: it leaves at its time, never before, and not at all if cancelled.
struct HeldSendTests {
    let dispatcher = Dispatcher(targets: TargetGuard(allowPrivateTargets: true))

    @Test func aHeldRequestLeavesAtItsTimeAndItsTimeoutCountsFromThere() async throws {
        let sink = try await TestSink.start()
        // Held 4 s with a 3 s timeout: room for a slow answer on a loaded machine, and a timeout
        // counted from the call would still expire before the send time.
        let sendAt = Date() + 4
        let outcome = await dispatcher.send(
            url: "\(await sink.baseURL)/ok", method: .POST, headers: [:], body: "{}", timeoutMs: 3000, sendAt: sendAt)
        #expect(outcome.isSuccess, "a 3 s timeout counted from the call would have expired before the send time")
        let arrived = try #require(await sink.requests("/ok").first?.receivedAt)
        #expect(arrived >= sendAt - 0.001)
        #expect(outcome.sentLateMs != nil)
        #expect(outcome.durationMs < 4000, "the wait before the send time is not the request's duration")
        await sink.stop()
        try await dispatcher.shutdown()
    }

    @Test func aHeldRequestWhoseAttemptIsCancelledIsNeverSent() async throws {
        let sink = try await TestSink.start()
        let base = await sink.baseURL
        let sendAt = Date() + 0.4
        let held = Task { [dispatcher] in
            await dispatcher.send(url: "\(base)/first", method: .GET, headers: [:], body: nil, timeoutMs: 30_000, sendAt: sendAt)
        }
        held.cancel()
        #expect(await held.value.statusCode == nil)
        // Held until after the cancelled one's time: had that one gone out, it would be here first.
        let later = await dispatcher.send(
            url: "\(base)/second", method: .GET, headers: [:], body: nil, timeoutMs: 30_000, sendAt: sendAt + 0.2)
        #expect(later.isSuccess)
        #expect(await sink.count("/first") == 0)
        await sink.stop()
        try await dispatcher.shutdown()
    }

    @Test func heldRequestsDueInOneSendWindowLeaveTogetherAtItsEnd() async throws {
        let windowNs: UInt64 = 500_000_000
        let dispatcher = Dispatcher(targets: TargetGuard(allowPrivateTargets: true), sendWindow: .nanoseconds(Int64(windowNs)))
        let sink = try await TestSink.start()
        let base = await sink.baseURL
        // The claim holds only for sends that reach the dispatcher before the first one is due;
        // a loaded machine can start a child task late, so a round where one did not is run again.
        var checked = false
        for round in 1...5 where !checked {
            // Windows lie on one grid of the loops' clock: find where the one after next begins
            // (read both clocks back to back; a round where the thread was preempted between is
            // run again).
            let uptime = NIODeadline.now().uptimeNanoseconds
            let wallNow = Date()
            guard NIODeadline.now().uptimeNanoseconds - uptime < 10_000_000 else { continue }
            let windowStart = wallNow + Double((uptime / windowNs + 2) * windowNs - uptime) / 1e9
            let firstDue = windowStart + 0.05
            let secondDue = windowStart + 0.3
            func send(_ path: String, at due: Date) async -> (calledAt: Date, outcome: DeliveryOutcome) {
                let calledAt = Date()
                let outcome = await dispatcher.send(
                    url: "\(base)/\(path)", method: .POST, headers: [:], body: "{}", timeoutMs: 30_000, sendAt: due)
                return (calledAt, outcome)
            }
            async let first = send("first-\(round)", at: firstDue)
            async let second = send("second-\(round)", at: secondDue)
            let (firstSend, secondSend) = await (first, second)
            guard max(firstSend.calledAt, secondSend.calledAt) < firstDue - 0.01 else { continue }
            #expect(firstSend.outcome.isSuccess && secondSend.outcome.isSuccess)
            let firstArrived = try #require(await sink.requests("/first-\(round)").first?.receivedAt)
            let secondArrived = try #require(await sink.requests("/second-\(round)").first?.receivedAt)
            // Neither leaves before its time, and the first waits for the end of the window it
            // shares with the second: after the second's time, and late by most of the window.
            #expect(firstArrived >= secondDue - 0.001)
            #expect(secondArrived >= secondDue - 0.001)
            #expect((firstSend.outcome.sentLateMs ?? 0) >= 400)
            checked = true
        }
        if !checked { Issue.record("in 5 rounds, the two sends never both reached the dispatcher before the first was due") }
        await sink.stop()
        try await dispatcher.shutdown()
    }
}

/// A kept-alive connection can close while a request waits on it for its send time.
struct HeldSendOnClosedConnectionTests {
    @Test func aRequestWhoseConnectionClosedWhileItWasHeldGoesOutOnANewOne() async throws {
        let server = try await ShortKeepAliveServer.start(closeAfter: .milliseconds(100))
        let dispatcher = Dispatcher(targets: TargetGuard(allowPrivateTargets: true))
        let url = "http://127.0.0.1:\(server.port)/"
        // Generous timeouts: a loaded machine once took 6 s to connect on loopback. A request
        // written on the closed connection would still fail, only later.
        let first = await dispatcher.send(url: url, method: .GET, headers: [:], body: nil, timeoutMs: 30_000)
        #expect(first.isSuccess)
        // Held on the kept-alive connection past the moment the server closes it.
        let held = await dispatcher.send(
            url: url, method: .GET, headers: [:], body: nil, timeoutMs: 30_000, sendAt: Date() + 1.0)
        #expect(held.isSuccess, "\(held.error ?? "")")
        #expect(server.connections >= 2, "the closed connection is not used again")
        try await dispatcher.shutdown()
        await server.stop()
    }
}

/// A kept-alive connection can be reset by the target just as a request goes out on it.
struct ResetKeptAliveConnectionTests {
    /// The target runs on the event loops every test of the process shares: in the suite's
    /// opening burst on two cores it once did not read the second request within 30 s, so the
    /// requests get two minutes (a client that waited for an answer that cannot come would still
    /// fail, only later).
    @Test(.timeLimit(.minutes(5))) func aRequestResetBeforeAnyAnswerOnAKeptAliveConnectionGoesOutOnANewOne() async throws {
        let server = try await ShortKeepAliveServer.start(closeAfter: .seconds(600), resetsSecondRequest: true)
        let dispatcher = Dispatcher(targets: TargetGuard(allowPrivateTargets: true))
        let url = "http://127.0.0.1:\(server.port)/"
        let first = await dispatcher.send(url: url, method: .GET, headers: [:], body: nil, timeoutMs: 120_000)
        #expect(first.isSuccess)
        let second = await dispatcher.send(url: url, method: .GET, headers: [:], body: nil, timeoutMs: 120_000)
        #expect(second.isSuccess, "\(second.error ?? "")")
        #expect(server.connections == 2)
        try await dispatcher.shutdown()
        await server.stop()
    }
}
