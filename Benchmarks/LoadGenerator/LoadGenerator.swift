// runhooks-load: a load generator for any Runhooks gateway. It starts its own counting sink,
// creates K interval jobs across tenants aimed at the sink, holds the load for T seconds while
// printing fires/s and lateness percentiles, then deletes the jobs.
//
//   swift run -c release runhooks-load --api-url http://127.0.0.1:8080/api/v1 --data-dir ./runhooks-data \
//       --jobs 10000 --interval-ms 1000 --duration 30
//
// The server must run with `--rate-limits off` (registration is otherwise 5 per hour) and
// `--allow-private-targets` (the sink is on loopback). Plan limits are lifted with
// `runhooks admin set-plan … growth`, which needs the server's --data-dir or --database.
import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

@main
struct LoadGenerator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runhooks-load")

    @Option(help: "The gateway's API base URL.") var apiURL = "http://127.0.0.1:8080/api/v1"
    @Option(help: "How many jobs to create.") var jobs = 1000
    @Option(help: "Each job's interval in ms.") var intervalMs = 1000
    @Option(help: "Seconds to hold the load.") var duration = 30
    @Option(help: "Seconds at the start left out of the summary.") var warmup = 5
    @Option(help: "Jobs per tenant (the growth plan allows 100).") var jobsPerTenant = 100
    @Option(name: .customLong("data-dir"), help: "The server's data directory, for `runhooks admin set-plan`.") var dataDir: String?
    @Option(help: "The server's store URL, instead of --data-dir.") var database: String?
    @Option(help: "The runhooks executable used for `admin set-plan`.") var runhooks: String?
    @Option(help: "Address the sink binds; the server must be able to reach it.") var sinkHost = "127.0.0.1"
    @Option(help: "The server's Prometheus endpoint (default: the API URL's host, /metrics).") var metricsURL: String?
    @Flag(help: "Leave the jobs (and their executions) in place at the end, to inspect the store.") var keepJobs = false
    @Option(
        help: "Aim the jobs at this base URL (say an nginx sink) instead of the built-in sink; fires are then counted from the server's /metrics.")
    var targetURL: String?

    func run() async throws {
        // Sixty-four connections, not the shared client's eight: through a saturated node's API
        // a job creation takes a fifth of a second, and eight at a time took minutes for 10,000.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await run(client: client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    func run(client: HTTPClient) async throws {
        let sink = try await CountingSink.start(host: sinkHost)
        let api = APIClient(client: client, base: apiURL)
        let tenantCount = (jobs + jobsPerTenant - 1) / jobsPerTenant
        let sinkURL = await sink.url
        let target = targetURL ?? sinkURL
        print("creating \(tenantCount) tenant(s) and \(jobs) job(s) every \(intervalMs) ms aimed at \(target)")
        var keys: [String] = []
        for index in 0..<tenantCount {
            let (key, userId) = try await api.registerTenant(name: "load-\(index)")
            try liftLimits(userId: userId)
            keys.append(key)
        }
        let jobIds = try await createJobs(api: api, keys: keys, sinkURL: target)
        print("created \(jobIds.count) jobs; holding the load for \(duration) s")

        await sink.reset()
        let metricsEndpoint = metricsURL ?? apiURL.replacingOccurrences(of: "/api/v1", with: "") + "/metrics"
        var latenessAtWarmup: ServerLateness?
        for second in 1...duration {
            try await Task.sleep(for: .seconds(1))
            let window = await sink.takeWindow()
            print(String(
                format: "[%3d s] %7d fires/s  lateness p50 %6.1f ms  p99 %7.1f ms  max %7.1f ms",
                second, window.count, window.percentile(0.5), window.percentile(0.99), window.max))
            if second == warmup {
                await sink.startSummary()
                latenessAtWarmup = try? await ServerLateness.read(client: client, metricsURL: metricsEndpoint)
            }
        }
        let summary = await sink.summary()
        let seconds = Double(duration - warmup)
        let expected = Double(jobs) * 1000 / Double(intervalMs)
        print("")
        print(String(format: "sustained %.0f fires/s over %.0f s (offered %.0f/s); duplicates %d", Double(summary.count) / seconds, seconds, expected, await sink.duplicates))
        print(String(
            format: "arrival lateness at the sink: p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  p99.9 %.1f ms  max %.1f ms",
            summary.percentile(0.5), summary.percentile(0.9), summary.percentile(0.99), summary.percentile(0.999), summary.max))

        if let latenessAtWarmup, let now = try? await ServerLateness.read(client: client, metricsURL: metricsEndpoint) {
            let window = now.since(latenessAtWarmup)
            print(String(
                format: "server-side lateness (send time − scheduled time, histogram bucket bounds): p50 ≤ %.0f ms  p90 ≤ %.0f ms  p99 ≤ %.0f ms over %.0f fires",
                window.percentileMs(0.5), window.percentileMs(0.9), window.percentileMs(0.99), window.total))
        }
        print("delivered \(await sink.delivered) distinct (job, slot, attempt) requests in all")
        if keepJobs {
            print("kept \(jobIds.count) jobs")
            await sink.stop()
            return
        }
        print("deleting \(jobIds.count) jobs")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, chunk) in jobIds.chunked(64).enumerated() {
                group.addTask {
                    for (key, id) in chunk { try await api.delete("/jobs/\(id)", key: key) }
                }
                if index % 8 == 7 { try await group.next() }
            }
            try await group.waitForAll()
        }
        await sink.stop()
    }

    func liftLimits(userId: String) throws {
        guard dataDir != nil || database != nil else {
            throw ValidationError("pass --data-dir or --database so tenants can be moved to the growth plan")
        }
        let process = Process()
        let executable = runhooks
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("runhooks").path
        process.executableURL = URL(fileURLWithPath: executable)
        var arguments = ["admin", "set-plan", userId, "growth"]
        if let dataDir { arguments += ["--data-dir", dataDir] }
        if let database { arguments += ["--database", database] }
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("runhooks admin set-plan failed for \(userId)") }
    }

    func createJobs(api: APIClient, keys: [String], sinkURL: String) async throws -> [(String, String)] {
        let interval = intervalMs
        let perTenant = jobsPerTenant
        let total = jobs
        return try await withThrowingTaskGroup(of: [(String, String)].self) { group in
            for (tenant, key) in keys.enumerated() {
                let first = tenant * perTenant
                let last = min(total, first + perTenant)
                group.addTask {
                    var created: [(String, String)] = []
                    for index in first..<last {
                        let id = try await api.createJob(
                            key: key, name: "load \(index)", intervalMs: interval, url: "\(sinkURL)/hit")
                        created.append((key, id))
                    }
                    return created
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
