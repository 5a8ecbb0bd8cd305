import Foundation
import RunhooksCore

/// The text of alert notices on each channel.
enum AlertMessages {
    static func headline(_ event: AlertEvent) -> String {
        switch event.notice {
        case .failure:
            "Runhooks alert \"\(event.alert.name)\": job \"\(event.job.name)\" failed \(event.consecutiveFailures) time(s) in a row"
        case .recovery:
            "Runhooks alert \"\(event.alert.name)\": job \"\(event.job.name)\" recovered"
        }
    }

    static func details(_ event: AlertEvent) -> [String] {
        let execution = event.lastExecution
        var lines = [
            "Job: \(event.job.name) (\(event.job.id))",
            "Target: \(event.job.httpConfig.method.rawValue) \(event.job.httpConfig.url)",
            "Last run: \(execution.status.rawValue), scheduled for \(execution.scheduledFor.iso8601Milliseconds), attempt \(execution.attempt)",
        ]
        if let code = execution.httpStatusCode { lines.append("HTTP status: \(code)") }
        if let error = execution.error { lines.append("Error: \(error)") }
        lines.append("Executions: /api/v1/jobs/\(event.job.id)/executions")
        return lines
    }

    static func email(_ event: AlertEvent, from: String, messageId: String) -> EmailMessage {
        EmailMessage(
            from: from, to: [event.alert.target], subject: headline(event),
            body: ([headline(event), ""] + details(event) + ["", "Alert \(event.alert.id) · sent by Runhooks"]).joined(separator: "\n"),
            date: event.lastExecution.completedAt ?? Date(), messageId: messageId)
    }

    static func webhookJSON(_ event: AlertEvent) -> String {
        let execution = event.lastExecution
        var last: [String: JSONValue] = [
            "id": .string(execution.id), "status": .string(execution.status.rawValue),
            "attempt": .number(Double(execution.attempt)), "scheduledFor": .string(execution.scheduledFor.iso8601Milliseconds),
        ]
        if let code = execution.httpStatusCode { last["httpStatusCode"] = .number(Double(code)) }
        if let error = execution.error { last["error"] = .string(error) }
        if let completed = execution.completedAt { last["completedAt"] = .string(completed.iso8601Milliseconds) }
        let document: JSONValue = [
            "event": .string(event.notice == .failure ? "alert.failure" : "alert.recovery"),
            "alert": ["id": .string(event.alert.id), "name": .string(event.alert.name)],
            "job": [
                "id": .string(event.job.id), "name": .string(event.job.name), "url": .string(event.job.httpConfig.url),
                "method": .string(event.job.httpConfig.method.rawValue),
            ],
            "consecutiveFailures": .number(Double(event.consecutiveFailures)),
            "lastExecution": .object(last),
            "links": [
                "job": .string("/api/v1/jobs/\(event.job.id)"),
                "executions": .string("/api/v1/jobs/\(event.job.id)/executions"),
                "execution": .string("/api/v1/executions?jobId=\(event.job.id)"),
            ],
        ]
        return encode(document)
    }

    static func slackJSON(_ event: AlertEvent) -> String {
        let emoji = event.notice == .failure ? ":rotating_light:" : ":white_check_mark:"
        let document: JSONValue = [
            "text": .string(headline(event)),
            "blocks": [
                ["type": "section", "text": ["type": "mrkdwn", "text": .string("\(emoji) *\(headline(event))*")]],
                ["type": "section", "text": ["type": "mrkdwn", "text": .string(details(event).joined(separator: "\n"))]],
            ],
        ]
        return encode(document)
    }

    static func encode(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
