// The store's share of a fire, without HTTP or the engine: a SQLite store in a temporary
// directory, JOBS interval jobs (100 per tenant, created in order as runhooks-load creates
// them) firing every second, and the engine's writes for SECONDS seconds of fires applied as
// the engine's write journal applies them: one batch per BATCH_MS (the journal's linger)
// holding that step's claims and the finishes of the claims of about 60 ms before. Prints the
// process's CPU (user + system) per fire, which counts both writes of a fire, its share of the
// batch's commit and of the WAL's checkpoints, and how long the batches' commits took. With
// PACED=1 the batches are applied one per BATCH_MS of wall time, as the journal applies them,
// rather than back to back.
//
//   swift run -c release StoreWriteBenchmark [JOBS=2000] [SECONDS=60] [BATCH_MS=20]
//   PACED=1 swift run -c release StoreWriteBenchmark 10000 20
import Foundation
import RunhooksCore
import RunhooksStore

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let jobCount = arguments.first ?? 2000
let seconds = arguments.dropFirst().first ?? 60
let jobsPerTenant = 100
let stepMs = Int64(arguments.dropFirst(2).first ?? 20)
let finishLagSteps = max(1, Int(60 / stepMs))
let paced = ProcessInfo.processInfo.environment["PACED"] == "1"

func cpuSeconds() -> (user: Double, system: Double) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return (
        Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
        Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    )
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("runhooks-store-bench-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: directory) }
let store = try SQLiteStore(path: directory.appendingPathComponent("runhooks.sqlite").path)
let ids = ObjectIDGenerator()
let shards = ShardMap(shardCount: 64)
let start = Date()
var jobs: [Job] = []
for tenant in 0..<max(1, jobCount / jobsPerTenant) {
    let user = User(
        id: ids.next(at: start), email: "tenant\(tenant)@example.com", name: "tenant \(tenant)", role: .user, plan: .growth,
        isAnonymous: false, apiKeyPrefix: "rh_live_bench", createdAt: start, updatedAt: start)
    try await store.insertUser(user, passwordHash: nil, apiKeyHash: UUID().uuidString)
    for index in 0..<min(jobsPerTenant, jobCount - jobs.count) {
        let job = Job(
            id: ids.next(at: start), userId: user.id, name: "load \(index)", description: nil,
            schedule: Schedule(kind: .interval, expression: "1000"), httpConfig: HTTPConfig(url: "http://127.0.0.1:8080/hook"),
            retryPolicy: .default, status: .active, tags: [], createdAt: start, updatedAt: start, anchorAt: start)
        try await store.insertJob(job, shard: shards.shard(forUser: user.id))
        jobs.append(job)
    }
}

let firesPerStep = max(1, jobs.count * Int(stepMs) / 1000)
let steps = seconds * 1000 / Int(stepMs)
var claimed: [[Execution]] = []
var fires = 0
var commitMs: [Double] = []
let before = cpuSeconds()
let wallStart = ContinuousClock.now
for step in 0..<steps {
    let slot = Date(milliseconds: start.millisecondsSince1970 + 1000 + Int64(step) * stepMs)
    var batch: [EngineWrite] = []
    var claims: [Execution] = []
    for fire in 0..<firesPerStep {
        let job = jobs[(step * firesPerStep + fire) % jobs.count]
        let execution = Execution(
            id: ids.next(at: slot), jobId: job.id, userId: job.userId, status: .running, scheduledFor: slot, attempt: 1,
            startedAt: slot, createdAt: slot)
        let firstOfMinute = (step * firesPerStep + fire) % (jobs.count * 60) < jobs.count
        batch.append(.claim(execution, advancesSlot: firstOfMinute, countsRun: true))
        claims.append(execution)
    }
    claimed.append(claims)
    if claimed.count > finishLagSteps {
        for execution in claimed.removeFirst() {
            let completed = execution.scheduledFor + 0.002
            batch.append(
                .finish(
                    ExecutionResult(
                        executionId: execution.id, status: .success, startedAt: execution.startedAt, completedAt: completed,
                        durationMs: 2, httpStatusCode: 200, responseBody: "ok", error: nil, retryAt: nil,
                        timing: ExecutionTiming(connectMs: 0.1, firstByteMs: 1.2, totalMs: 1.4), lateMs: 0.3)))
        }
    }
    if paced {
        // As the engine's journal does: one batch per linger, the writer idle in between.
        try await Task.sleep(until: wallStart + .milliseconds(Int64(step) * stepMs), clock: .continuous)
    }
    let committing = ContinuousClock.now
    let results = try await store.apply(batch)
    commitMs.append((ContinuousClock.now - committing).fractionalMilliseconds)
    precondition(results.allSatisfy { $0 }, "a write of the batch did not take effect")
    fires += claims.count
}
let wall = ContinuousClock.now - wallStart
let after = cpuSeconds()
let user = (after.user - before.user) / Double(fires) * 1e6
let system = (after.system - before.system) / Double(fires) * 1e6
print(
    String(
        format: "jobs %d, fires %d in batches of %d claims: store CPU per fire %.1f us (user %.1f, system %.1f), wall %.1f us per fire",
        jobs.count, fires, firesPerStep, user + system, user, system,
        Double(wall.components.seconds) * 1e6 / Double(fires) + Double(wall.components.attoseconds) / 1e12 / Double(fires)))
commitMs.sort()
print(
    String(
        format: "batch commits: p50 %.1f ms, p99 %.1f ms, max %.1f ms", commitMs[commitMs.count / 2],
        commitMs[min(commitMs.count - 1, commitMs.count * 99 / 100)], commitMs.last ?? 0))
