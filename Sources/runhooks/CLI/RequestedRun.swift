import ArgumentParser
import Foundation
import RunhooksCore

/// `--wait` for the commands that request a run (`jobs trigger`, `executions replay`).
struct RequestedRunOptions: ParsableArguments {
    @Flag(help: "Wait for the run to end; print its execution, and exit 1 unless it succeeded.") var wait = false
    @Option(help: "Seconds to wait with --wait.") var timeout: Double = 120
}

/// The answer to a requested run: the execution it will be recorded as, or, with `--wait`,
/// that execution once the run has ended.
struct RequestedRun {
    let client: APIConnection
    let output: Output
    let options: RequestedRunOptions

    static let endedStatuses: Set<String> = ["success", "failed", "timeout", "dead_letter", "quota_exceeded"]

    /// POSTs the request for a run at `path` and reports it (`jobs trigger`, `executions replay`).
    static func request(_ path: String, options: ClientOptions, requested: RequestedRunOptions, otherwise text: String) async throws {
        let client = try options.client()
        let reply = try await client.send(.POST, path)
        try await RequestedRun(client: client, output: options.output, options: requested).report(reply, otherwise: text)
    }

    func report(_ reply: APIConnection.Reply, otherwise text: String) async throws {
        guard let executionId = reply.data?["executionId"]?.string else {
            output.acknowledge(reply, otherwise: text)
            return
        }
        guard options.wait else {
            output.acknowledge(reply, otherwise: text)
            if !output.json { print("execution \(executionId); follow it with: runhooks executions get \(executionId)") }
            return
        }
        let execution = try await ended(executionId)
        output.record(execution)
        let status = execution["status"]?.string ?? "unknown"
        guard status == "success" else {
            let reason = execution["error"]?.string ?? execution["httpStatusCode"]?.int.map { "HTTP \($0)" }
            throw CommandFailure("the run ended \(status)" + (reason.map { ": \($0)" } ?? ""))
        }
    }

    /// Polls the execution until its status is final. It is absent (404) until the run starts.
    private func ended(_ executionId: String) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(max(0, options.timeout))
        var latest: JSONValue?
        while true {
            if let execution = try await client.find("/executions/\(executionId)") {
                latest = execution
                if let status = execution["status"]?.string, Self.endedStatuses.contains(status) { return execution }
            }
            guard ContinuousClock.now < deadline else {
                let state = latest?["status"]?.string.map { "still \($0)" } ?? "not started"
                throw CommandFailure("execution \(executionId) is \(state) after \(Int(options.timeout)) s")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}
