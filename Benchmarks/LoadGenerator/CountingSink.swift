import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The load generator's target: counts deliveries and measures lateness (arrival time minus
/// the `Runhooks-Scheduled-At` header) in per-second windows.
actor CountingSink {
    struct Window {
        var samples: [Double] = []
        var count: Int { samples.count }
        var max: Double { samples.max() ?? 0 }

        func percentile(_ p: Double) -> Double {
            guard !samples.isEmpty else { return 0 }
            let sorted = samples.sorted()
            return sorted[Swift.min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
    }

    private var window = Window()
    private var summaryWindow: Window?
    private var seen: Set<String> = []
    private(set) var duplicates = 0
    private var task: Task<Void, any Error>?
    private(set) var url = ""

    static func start(host: String) async throws -> CountingSink {
        let sink = CountingSink()
        await sink.run(host: host)
        return sink
    }

    private func run(host: String) async {
        let router = Router()
        router.post("hit") { request, _ in
            let arrival = Date().timeIntervalSince1970
            let scheduled = request.headers[HTTPField.Name("Runhooks-Scheduled-At")!].flatMap(Self.parse) ?? arrival
            let jobId: String = request.headers[HTTPField.Name("Runhooks-Job-Id")!] ?? ""
            let slot: String = request.headers[HTTPField.Name("Runhooks-Scheduled-At")!] ?? ""
            let attempt: String = request.headers[HTTPField.Name("Runhooks-Attempt")!] ?? ""
            let key = "\(jobId) \(slot) \(attempt)"
            await self.record(latenessMs: (arrival - scheduled) * 1000, key: key)
            return Response(status: .noContent)
        }
        var logger = Logger(label: "sink")
        logger.logLevel = .error
        let started = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: 0), backlog: 4096),
            onServerRunning: { started.continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        task = Task { try await app.run() }
        for await port in started.stream {
            url = "http://\(host):\(port)"
            break
        }
    }

    func stop() { task?.cancel() }

    private func record(latenessMs: Double, key: String) {
        window.samples.append(latenessMs)
        summaryWindow?.samples.append(latenessMs)
        if !seen.insert(key).inserted { duplicates += 1 }
    }

    func reset() { window = Window() }

    /// Distinct (job, slot, attempt) deliveries since the sink started.
    var delivered: Int { seen.count }

    func takeWindow() -> Window {
        defer { window = Window() }
        return window
    }

    func startSummary() { summaryWindow = Window() }
    func summary() -> Window { summaryWindow ?? Window() }

    /// `2025-01-15T12:00:00.123Z` → seconds since 1970, without a formatter on the hot path.
    static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count == 24 else { return nil }
        func number(_ range: Range<Int>) -> Int {
            bytes[range].reduce(0) { $0 * 10 + Int($1) - 48 }
        }
        var year = number(0..<4)
        let month = number(5..<7)
        let day = number(8..<10)
        year -= month <= 2 ? 1 : 0
        let era = year / 400
        let yoe = year - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = days * 86_400 + number(11..<13) * 3600 + number(14..<16) * 60 + number(17..<19)
        return Double(seconds) + Double(number(20..<23)) / 1000
    }
}
