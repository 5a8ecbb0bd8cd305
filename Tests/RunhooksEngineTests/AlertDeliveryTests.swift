import Foundation
import RunhooksCore
import RunhooksStore
import Testing

@testable import RunhooksEngine

@Suite(.serialized) struct AlertDeliveryTests {
    static let target = "oncall" + "\u{40}example.com"

    @Test func emailAfterThresholdOnceInCooldownThenRecovery() async throws {
        let smtp = try await SMTPSink.start()
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make(smtpPort: smtp.port)
        try await harness.engine.start()
        var job = try await harness.createJob("\(await sink.baseURL)/fail")
        let alert = try await harness.createAlert(.email, target: Self.target, jobId: job.id, threshold: 3, cooldownMinutes: 60)
        for run in 1...2 {
            harness.clock.advance(by: 60)
            #expect(await harness.waitForAttempts(run))
        }
        let states = try await harness.store.alertStates(userId: harness.user.id)
        #expect(states[AlertStateKey(alertId: alert.id, jobId: job.id)]?.consecutiveFailures == 2)
        #expect(states[AlertStateKey(alertId: alert.id, jobId: job.id)]?.alerting == false)

        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(3))
        #expect(await smtp.waitFor(1))
        let message = try #require(smtp.messages.first)
        #expect(message.to == [Self.target])
        #expect(message.header("From") == "alerts" + "\u{40}runhooks.test")
        #expect(message.header("To") == Self.target)
        #expect(message.header("Subject") == "Runhooks alert \"email alert\": job \"job\" failed 3 time(s) in a row")
        #expect(message.header("Date")?.hasSuffix("+0000") == true)
        #expect(message.header("Message-ID")?.hasSuffix("@runhooks>") == true)
        #expect(message.body.contains("Job: job (\(job.id))"))
        #expect(message.body.contains("HTTP status: 500"))

        // A fourth failure inside the cooldown sends nothing.
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(4))
        // The job recovers: one recovery notice.
        let tenant = harness.tenants.tenant(harness.user.id)
        var spec = JobSpec(name: job.name, schedule: job.schedule, httpConfig: job.httpConfig, retryPolicy: job.retryPolicy)
        spec.httpConfig.url = "\(await sink.baseURL)/ok"
        let change = spec
        let updated = try await tenant.updateJob(id: job.id, plan: .growth, scheduler: harness.engine) { _ in change }
        job = try #require(updated)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(5))
        #expect(await smtp.waitFor(2))
        #expect(smtp.messages.count == 2)
        #expect(smtp.messages.last?.header("Subject") == "Runhooks alert \"email alert\": job \"job\" recovered")
        let deliveries = try await harness.waitForDeliveries(alert.id, total: 2)
        #expect(deliveries.map(\.notice) == [.recovery, .failure])
        #expect(deliveries.allSatisfy { $0.status == .sent && $0.attempts == 1 })
        await harness.engine.stop()
        await sink.stop()
        smtp.stop()
    }

    @Test func smtpAuthenticationWithCredentialsFromTheURL() async throws {
        let smtp = try await SMTPSink.start(requireAuth: true)
        let sink = try await TestSink.start()
        let good = try await EngineHarness.make(smtpPort: smtp.port, smtpCredentials: "runhooks:s3cret")
        try await good.engine.start()
        try await good.createJob("\(await sink.baseURL)/fail")
        let alert = try await good.createAlert(.email, target: Self.target)
        good.clock.advance(by: 60)
        #expect(await good.waitForAttempts(1))
        #expect(await smtp.waitFor(1))
        #expect(try await good.waitForDeliveries(alert.id, total: 1).first?.status == .sent)
        await good.engine.stop()

        let bad = try await EngineHarness.make(smtpPort: smtp.port, smtpCredentials: "runhooks:wrong")
        try await bad.engine.start()
        try await bad.createJob("\(await sink.baseURL)/fail")
        let refused = try await bad.createAlert(.email, target: Self.target)
        bad.clock.advance(by: 60)
        #expect(await bad.waitForAttempts(1))
        let delivery = try #require(try await bad.waitForDeliveries(refused.id, total: 1).first)
        #expect(delivery.status == .failed)
        #expect(delivery.error?.contains("535") == true, "\(delivery.error ?? "")")
        #expect(smtp.messages.count == 1)
        await bad.engine.stop()
        await sink.stop()
        smtp.stop()
    }

    @Test func startTLSIsUsedWhenOfferedAndTheCertificateIsChecked() async throws {
        let smtp = try await SMTPSink.start(offerStartTLS: true)
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make(smtpPort: smtp.port)
        try await harness.engine.start()
        try await harness.createJob("\(await sink.baseURL)/fail")
        let alert = try await harness.createAlert(.email, target: Self.target)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        // The server offers STARTTLS with a self-signed certificate: the client upgrades and
        // refuses to send the message over a connection it cannot trust.
        let delivery = try #require(try await harness.waitForDeliveries(alert.id, total: 1).first)
        #expect(delivery.status == .failed)
        #expect(delivery.error?.lowercased().contains("certificate") == true, "\(delivery.error ?? "")")
        #expect(smtp.messages.isEmpty)
        await harness.engine.stop()
        await sink.stop()
        smtp.stop()
    }

    @Test func countsAndCooldownsSurviveARestart() async throws {
        let sink = try await TestSink.start()
        let first = try await EngineHarness.make()
        try await first.engine.start()
        let job = try await first.createJob("\(await sink.baseURL)/fail")
        let alert = try await first.createAlert(.webhook, target: "\(await sink.baseURL)/alert-hook", threshold: 2, cooldownMinutes: 60)
        for run in 1...2 {
            first.clock.advance(by: 60)
            #expect(await first.waitForAttempts(run))
        }
        _ = try await first.waitForDeliveries(alert.id, total: 1)
        await first.engine.stop()

        // After a restart, the next failure is inside the cooldown: no second notice.
        let second = try await EngineHarness.make(reuse: first)
        try await second.engine.start()
        second.clock.advance(by: 60)
        #expect(await second.waitForAttempts(1))
        let state = try await second.store.alertStates(userId: second.user.id)[AlertStateKey(alertId: alert.id, jobId: job.id)]
        #expect(state?.consecutiveFailures == 3 && state?.alerting == true)
        #expect(await sink.count("/alert-hook") == 1)
        await second.engine.stop()
        await sink.stop()
    }

    @Test func webhookAndSlackPayloads() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        let job = try await harness.createJob("\(await sink.baseURL)/gone")
        try await harness.createAlert(.webhook, target: "\(await sink.baseURL)/alert-hook")
        try await harness.createAlert(.slack, target: "\(await sink.baseURL)/slack")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        #expect(await sink.waitFor(1, path: "/alert-hook"))
        #expect(await sink.waitFor(1, path: "/slack"))
        let hook = try #require(await sink.requests("/alert-hook").first)
        #expect(hook.headers["content-type"] == "application/json")
        let payload = try JSONDecoder().decode(JSONValue.self, from: Data(hook.body.utf8))
        #expect(payload["event"] == "alert.failure")
        #expect(payload["job"]?["id"]?.string == job.id)
        #expect(payload["consecutiveFailures"] == 1)
        #expect(payload["lastExecution"]?["httpStatusCode"] == 410)
        #expect(payload["lastExecution"]?["error"] == "HTTP 410 Gone")
        #expect(payload["links"]?["executions"]?.string == "/api/v1/jobs/\(job.id)/executions")
        let slack = try JSONDecoder().decode(JSONValue.self, from: Data(try #require(await sink.requests("/slack").first).body.utf8))
        #expect(slack["text"]?.string?.contains("failed 1 time(s) in a row") == true)
        #expect(slack["blocks"]?.array?.count == 2)
        #expect(slack["blocks"]?[0]?["type"] == "section")
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func disabledAndOtherJobsAlertsStaySilent() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        try await harness.createJob("\(await sink.baseURL)/fail")
        let other = try await harness.createJob("\(await sink.baseURL)/ok", every: 3_600_000)
        try await harness.createAlert(.webhook, target: "\(await sink.baseURL)/disabled", enabled: false)
        try await harness.createAlert(.webhook, target: "\(await sink.baseURL)/other-job", jobId: other.id)
        let witness = try await harness.createAlert(.webhook, target: "\(await sink.baseURL)/witness")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        _ = try await harness.waitForDeliveries(witness.id, total: 1)
        let disabled = await sink.count("/disabled")
        let otherJob = await sink.count("/other-job")
        let witnessed = await sink.count("/witness")
        #expect(disabled == 0 && otherJob == 0 && witnessed == 1)
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func emailWithoutSMTPIsRecordedAsFailed() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        try await harness.createJob("\(await sink.baseURL)/fail")
        let alert = try await harness.createAlert(.email, target: Self.target)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        let deliveries = try await harness.waitForDeliveries(alert.id, total: 1)
        #expect(deliveries.first?.status == .failed)
        #expect(deliveries.first?.error == "SMTP not configured")
        await harness.engine.stop()
        await sink.stop()
    }

    @Test func aHangingAlertTargetDoesNotDelayTheNextFire() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make()
        try await harness.engine.start()
        try await harness.createJob("\(await sink.baseURL)/fail")
        try await harness.createAlert(.webhook, target: "\(await sink.baseURL)/hang", cooldownMinutes: 0)
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        #expect(await sink.waitFor(1, path: "/hang"))
        let started = ContinuousClock.now
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(2))
        #expect(ContinuousClock.now - started < .seconds(5))
        await harness.engine.stop()
        await sink.stop()
    }
}

extension AlertDeliveryTests {
    @Test func aNoticeInFlightAtShutdownIsRecordedAsFailed() async throws {
        let sink = try await TestSink.start()
        let harness = try await EngineHarness.make(drainTimeout: .milliseconds(200))
        try await harness.engine.start()
        try await harness.createJob("\(await sink.baseURL)/fail")
        let alert = try await harness.createAlert(.webhook, target: "\(await sink.baseURL)/hang")
        harness.clock.advance(by: 60)
        #expect(await harness.waitForAttempts(1))
        #expect(await sink.waitFor(1, path: "/hang"))
        await harness.engine.stop()
        let deliveries = try await harness.store.listAlertDeliveries(
            alertId: alert.id, userId: harness.user.id, page: PageRequest(limit: 10)
        ).items
        #expect(deliveries.map(\.status) == [.failed])
        await sink.stop()
    }
}

@Suite struct AlertRuleTests {
    @Test func thresholdCooldownAndRecovery() {
        var state = AlertState()
        let start = Date(timeIntervalSince1970: 1_736_942_400)
        #expect(state.record(runSucceeded: false, threshold: 3, cooldownMinutes: 30, at: start) == nil)
        #expect(state.record(runSucceeded: false, threshold: 3, cooldownMinutes: 30, at: start + 60) == nil)
        #expect(state.record(runSucceeded: false, threshold: 3, cooldownMinutes: 30, at: start + 120) == .failure)
        #expect(state.record(runSucceeded: false, threshold: 3, cooldownMinutes: 30, at: start + 180) == nil)
        #expect(state.record(runSucceeded: false, threshold: 3, cooldownMinutes: 30, at: start + 120 + 1800) == .failure)
        #expect(state.consecutiveFailures == 5)
        #expect(state.record(runSucceeded: true, threshold: 3, cooldownMinutes: 30, at: start + 4000) == .recovery)
        #expect(state.record(runSucceeded: true, threshold: 3, cooldownMinutes: 30, at: start + 4060) == nil)
        #expect(state == AlertState(consecutiveFailures: 0, lastFiredAt: start + 1920, alerting: false))
        // A success in between resets the count.
        var flaky = AlertState()
        _ = flaky.record(runSucceeded: false, threshold: 2, cooldownMinutes: 0, at: start)
        _ = flaky.record(runSucceeded: true, threshold: 2, cooldownMinutes: 0, at: start + 1)
        #expect(flaky.record(runSucceeded: false, threshold: 2, cooldownMinutes: 0, at: start + 2) == nil)
    }

    @Test func emailIsRFC5322WithDotStuffing() {
        let message = EmailMessage(
            from: "a" + "\u{40}x.test", to: ["b" + "\u{40}y.test"], subject: "Jöb failed", body: "line\n.dot line\n..two",
            date: Date(timeIntervalSince1970: 1_795_935_047), messageId: "id" + "\u{40}runhooks")
        let text = message.rendered()
        #expect(text.contains("Subject: =?UTF-8?B?"))
        #expect(text.contains("Date: Sun, 29 Nov 2026 06:50:47 +0000\r\n"))
        #expect(text.contains("Message-ID: <id" + "\u{40}runhooks>\r\n"))
        #expect(text.hasSuffix("\r\n\r\nline\r\n..dot line\r\n...two"))
    }
}

@Suite struct SMTPClientTests {
    @Test func aSilentServerIsCutOffAtTheTimeout() async throws {
        // A listener that accepts connections (in the kernel's backlog) and never says a word.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 4) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let client = SMTPClient(
            configuration: try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)", from: "a" + "\u{40}x.test"),
            timeout: .milliseconds(300))
        // The server never answers: only the client's own timeout can end the send, and the
        // error says it was that. (How soon is a matter for benchmarks: on a loaded machine the
        // wait measures the test runner's threads, not the client.)
        await #expect {
            try await client.send(
                EmailMessage(from: "a" + "\u{40}x.test", to: ["b" + "\u{40}y.test"], subject: "s", body: "b", date: Date(), messageId: "m"))
        } throws: { error in
            "\(error)" == "SMTP server did not finish within 0.3 seconds"
        }
    }
}
