import Foundation
import HTTPTypes
import Hummingbird
import RunhooksTestSupport
import Logging
import NIOCore

/// A real HTTP endpoint that counts deliveries by job, slot and attempt.
actor SlotSink {
    struct Delivery: Sendable {
        let jobId: String
        let scheduledAt: String
        let attempt: String
    }

    private var received: [Delivery] = []
    private var waiters: [(count: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    private var server: TestHTTPServer?
    private(set) var port = 0

    static func start() async throws -> SlotSink {
        let sink = SlotSink()
        await sink.run()
        return sink
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    private func run() async {
        let router = Router()
        router.post("tick") { request, _ in
            await self.record(
                Delivery(
                    jobId: request.headers[HTTPField.Name("Runhooks-Job-Id")!] ?? "",
                    scheduledAt: request.headers[HTTPField.Name("Runhooks-Scheduled-At")!] ?? "",
                    attempt: request.headers[HTTPField.Name("Runhooks-Attempt")!] ?? ""))
            return Response(status: .ok)
        }
        let server = await TestHTTPServer.start(router: router, label: "slot-sink")
        self.server = server
        port = server.port
    }

    func stop() async {
        await server?.stop()
    }

    private func record(_ delivery: Delivery) {
        received.append(delivery)
        let ready = waiters.filter { $0.count <= received.count }
        waiters.removeAll { $0.count <= received.count }
        for waiter in ready { waiter.continuation.resume(returning: true) }
    }

    func count() -> Int { received.count }

    /// Whether no (job, slot) pair arrived twice as a first attempt.
    func firstAttemptsAreUnique() -> Bool {
        let keys = received.filter { $0.attempt == "1" }.map { "\($0.jobId) \($0.scheduledAt)" }
        return Set(keys).count == keys.count
    }
    func deliveries() -> [Delivery] { received }

    /// Waits for `count` deliveries in all; false after `timeout`.
    func waitFor(_ count: Int, timeout: Duration = .seconds(30)) async -> Bool {
        if received.count >= count { return true }
        return await withCheckedContinuation { continuation in
            waiters.append((count, continuation))
            Task {
                try? await Task.sleep(for: timeout)
                self.expire(count)
            }
        }
    }

    private func expire(_ count: Int) {
        guard received.count < count, let index = waiters.firstIndex(where: { $0.count == count }) else { return }
        waiters.remove(at: index).continuation.resume(returning: false)
    }
}
