import Foundation
import RunhooksCore
import RunhooksStore
import RunhooksTestSupport
import Testing

@testable import RunhooksEngine

/// Deliveries carry Standard Webhooks signatures that the reference library accepts.
struct SigningTests {
    static func deliveries(_ received: [TestSink.Received]) -> [StandardWebhooksVerifier.Delivery] {
        received.map { StandardWebhooksVerifier.Delivery(body: $0.body, headers: $0.headers) }
    }

    @Test func attemptsOfASlotShareTheirIdAndVerify() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        let secrets = try #require(try await harness.context.webhookSecrets.revealed(userId: harness.user.id))
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/flaky", retries: 3, initialDelay: 1000, body: #"{"n": 1}"#)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        harness.clock.advance(by: 1)
        #expect(await harness.waitForAttempts(2))
        harness.clock.advance(by: 2)
        #expect(await harness.waitForAttempts(3))
        let attempts = await sink.requests("/flaky")
        #expect(attempts.count == 3)
        let slot = try #require(try await harness.executions(job.id).first?.scheduledFor)
        #expect(Set(attempts.map { $0.headers["webhook-id"] }) == [WebhookSignature.messageId(jobId: job.id, slot: slot)])
        for attempt in attempts {
            let timestamp = try #require(attempt.headers["webhook-timestamp"].flatMap { Int64($0) })
            #expect(abs(Date().timeIntervalSince1970 - Double(timestamp)) < 300)
            #expect(attempt.headers["webhook-signature"]?.split(separator: " ").count == 1)
        }
        #expect(try await StandardWebhooksVerifier.verify(Self.deliveries(attempts), secret: secrets.current.text) == [true, true, true])
        #expect(try await StandardWebhooksVerifier.verify(Self.deliveries(attempts), secret: WebhookSecret.generate().text) == [false, false, false])
        // A body changed on the way no longer verifies.
        var tampered = Self.deliveries(attempts)
        tampered[0].body = #"{"n": 2}"#
        #expect(try await StandardWebhooksVerifier.verify([tampered[0]], secret: secrets.current.text) == [false])
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aReplayKeepsTheIdOfTheSlotItReplaysAndRotationSignsWithBoth() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/ok")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        let original = try #require(try await harness.executions(job.id).first)
        let before = try #require(try await harness.context.webhookSecrets.revealed(userId: harness.user.id))
        let after = try #require(try await harness.context.webhookSecrets.rotate(userId: harness.user.id))
        #expect(after.previous == before.current && after.current != before.current)
        #expect(after.previousExpiresAt == harness.clock.now() + 24 * 3600)
        harness.clock.advance(by: 1)

        let replay = try await harness.recordRunRequest(for: job, replaying: original.id)
        await harness.engine.runRequested(replay)
        #expect(await harness.waitForAttempts(2))
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(3))
        let received = await sink.requests("/ok")
        let runs = try await harness.executions(job.id)
        #expect(received.count == 3, "\(runs.map { ($0.status, $0.error, $0.replayOf, $0.scheduledFor) })")
        try #require(received.count == 3)
        let ids = received.map { $0.headers["webhook-id"] ?? "" }
        #expect(ids[0] == ids[1], "the replay is the same message as the run it replays")
        #expect(ids[2] != ids[0], "the next slot is another message")
        #expect(received.map { $0.headers["webhook-signature"]?.split(separator: " ").count } == [1, 2, 2])
        let deliveries = Self.deliveries(received)
        #expect(try await StandardWebhooksVerifier.verify(deliveries, secret: before.current.text) == [true, true, true])
        #expect(try await StandardWebhooksVerifier.verify(deliveries, secret: after.current.text) == [false, true, true])

        // A day later the previous secret no longer signs.
        harness.clock.advance(by: 24 * 3600)
        #expect(await harness.waitForAttempts(4))
        let last = try #require(await sink.requests("/ok").last)
        #expect(last.headers["webhook-signature"]?.split(separator: " ").count == 1)
        #expect(try await StandardWebhooksVerifier.verify(Self.deliveries([last]), secret: after.current.text) == [true])
        await harness.engine.stop()
        await sink.stop()
    }

    /// A receiver still on the first secret keeps verifying through two rotations in a day.
    @Test func twoRotationsInADaySignWithAllThreeSecrets() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        let secrets = harness.context.webhookSecrets
        let first = try #require(try await secrets.revealed(userId: harness.user.id))
        let second = try #require(try await secrets.rotate(userId: harness.user.id))
        harness.clock.advance(by: 3600)
        let third = try #require(try await secrets.rotate(userId: harness.user.id))
        #expect(third.older.map(\.secret) == [first.current])
        try await harness.engine.start()
        try await harness.createJob("\(await sink.baseURL)/ok")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        let delivery = Self.deliveries([try #require(await sink.requests("/ok").last)])
        #expect(delivery.first?.headers["webhook-signature"]?.split(separator: " ").count == 3)
        for secret in [first.current, second.current, third.current] {
            #expect(try await StandardWebhooksVerifier.verify(delivery, secret: secret.text) == [true])
        }
        // The first secret's day ends an hour before the second's.
        harness.clock.advance(by: 23 * 3600)
        #expect(await harness.waitForAttempts(2))
        let later = Self.deliveries([try #require(await sink.requests("/ok").last)])
        #expect(later.first?.headers["webhook-signature"]?.split(separator: " ").count == 2)
        #expect(try await StandardWebhooksVerifier.verify(later, secret: first.current.text) == [false])
        #expect(try await StandardWebhooksVerifier.verify(later, secret: second.current.text) == [true])
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func webhookAlertsAreSignedToo() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        let secrets = try #require(try await harness.context.webhookSecrets.revealed(userId: harness.user.id))
        try await harness.engine.start()
        try await harness.createJob("\(await sink.baseURL)/gone")
        try await harness.createAlert(.webhook, target: "\(await sink.baseURL)/alert-hook")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        #expect(await sink.waitFor(1, path: "/alert-hook"))
        let hook = try #require(await sink.requests("/alert-hook").first)
        #expect(hook.headers["webhook-id"]?.hasPrefix("msg_") == true)
        #expect(try await StandardWebhooksVerifier.verify(Self.deliveries([hook]), secret: secrets.current.text) == [true])
        await harness.engine.stop()
        await sink.stop()
    }
}
