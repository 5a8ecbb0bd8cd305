import Foundation
import Logging
import RunhooksCore
import RunhooksStore

/// What an alert says: which alert, which job, and the run that decided it.
public struct AlertEvent: Sendable {
    public var alert: AlertConfig
    public var job: Job
    public var notice: AlertState.Notice
    public var consecutiveFailures: Int
    public var lastExecution: Execution
}

/// Sends alert notices by email, webhook or Slack, each with a timeout and two retries with
/// backoff, and records every send. Sends run in tasks of their own: a slow or hanging alert
/// target never holds up job delivery.
public struct AlertNotifier: Sendable {
    let context: EngineContext
    let dispatcher: Dispatcher
    let smtp: SMTPConfiguration?
    let events: EngineEvents
    let logger: Logger
    /// Waits before the second and third tries.
    let retryDelays: [TimeInterval]
    let timeoutMs: Int
    let sends = OwnedTasks()

    public init(
        context: EngineContext, dispatcher: Dispatcher, smtp: SMTPConfiguration?, events: EngineEvents, logger: Logger,
        retryDelays: [TimeInterval] = [2, 10], timeoutMs: Int = 10_000
    ) {
        self.context = context
        self.dispatcher = dispatcher
        self.smtp = smtp
        self.events = events
        self.logger = logger
        self.retryDelays = retryDelays
        self.timeoutMs = timeoutMs
    }

    /// Sends a notice in a task of its own, which `finish` waits for.
    func submit(_ event: AlertEvent) {
        sends.run { await self.deliver(event) }
    }

    /// Waits for the notices in flight; past `timeout` cancels them, and each is recorded as
    /// failed (none is lost). Notices submitted later are refused.
    func finish(timeout: Duration) async {
        await sends.finish(timeout: timeout)
    }

    /// Sends a notice and records the outcome; returns when both are done.
    func deliver(_ event: AlertEvent) async {
        var attempts = 0
        var lastError: String?
        for delay in [0] + retryDelays {
            if delay > 0 {
                do { try await context.clock.sleep(until: context.clock.now() + delay) } catch { break }
            }
            attempts += 1
            lastError = await sendOnce(event)
            if lastError == nil || lastError == Self.smtpNotConfigured { break }
            if Task.isCancelled {
                lastError = "\(lastError ?? "failed"); the server stopped before the next try"
                break
            }
        }
        let delivery = AlertDelivery(
            id: context.ids.next(at: context.clock.now()), alertId: event.alert.id, userId: event.alert.userId,
            jobId: event.job.id, channel: event.alert.channel, notice: event.notice,
            status: lastError == nil ? .sent : .failed, error: lastError, attempts: attempts, createdAt: context.clock.now())
        do {
            // Recorded even when the send was cancelled at shutdown: the record must not be.
            let store = context.store
            try await Task { try await store.insertAlertDelivery(delivery) }.value
        } catch {
            logger.error("could not record alert delivery for alert \(event.alert.id): \(error)")
        }
        events.record(.alertRecorded)
    }

    static let smtpNotConfigured = "SMTP not configured"

    /// One try; nil on success, else the reason.
    private func sendOnce(_ event: AlertEvent) async -> String? {
        switch event.alert.channel {
        case .email:
            guard let smtp else { return Self.smtpNotConfigured }
            let message = AlertMessages.email(event, from: smtp.from, messageId: "\(context.ids.next())@runhooks")
            do {
                try await SMTPClient(configuration: smtp, timeout: .milliseconds(timeoutMs)).send(message)
                return nil
            } catch {
                return "\(error)"
            }
        case .webhook, .slack:
            let body = event.alert.channel == .webhook ? AlertMessages.webhookJSON(event) : AlertMessages.slackJSON(event)
            var signing: Dispatcher.Signing?
            if event.alert.channel == .webhook {
                do {
                    signing = Dispatcher.Signing(
                        messageId: WebhookSignature.messageId(
                            of: "alert:\(event.alert.id):\(event.lastExecution.id):\(event.notice)"),
                        secrets: try await context.webhookSecrets.signingSecrets(userId: event.alert.userId))
                } catch {
                    return "not sent: the account's signing secret could not be read (\(error))"
                }
            }
            let outcome = await dispatcher.send(
                url: event.alert.target, method: .POST,
                headers: ["Content-Type": "application/json", "User-Agent": Dispatcher.userAgent], body: body,
                timeoutMs: timeoutMs, signing: signing)
            return outcome.isSuccess ? nil : (outcome.error ?? "failed")
        }
    }
}
