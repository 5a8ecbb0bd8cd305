// Timing wheel vs. binary heap (swift-collections `Heap`), in the same run and process.
// Two scenarios of N timers each:
//  - saturated: deadlines spread over 60 s, time advanced 1 ms at a time (a shard at full load);
//  - sparse: deadlines spread over an hour, the owner waking at each next expiration (a node
//    holding jobs that run every minute or hour).
// Each figure is the median of 5 runs (RUNS=n) of schedule-all then fire-all, divided by N, the
// wheel and the heap taking turns; memory is the heap bytes in use (glibc mallinfo2) once every
// timer is scheduled, divided by N.
// Run: swift run -c release TimingWheelBenchmark [N ...]   (default 1000000)
// Each result is also printed as one `RESULT structure scenario N ns-per-timer bytes-per-timer`
// line for Benchmarks/run.sh.
import Foundation
import HeapModule
import MallocStats
import RunhooksCore

struct HeapTimer: Comparable {
    let deadline: Int64
    let payload: Int
    static func < (lhs: Self, rhs: Self) -> Bool { lhs.deadline < rhs.deadline }
}

func heapBytesInUse() -> Int { Int(malloc_stats_bytes_in_use()) }

struct Measurement {
    var nanosecondsPerTimer: Double
    var bytesPerTimer: Double
}

typealias Body = (_ scheduled: () -> Void) -> Int

/// Runs each body `runs` times, taking turns (wheel, heap, wheel, heap, ...) so that both see
/// the machine as it is in the same seconds. A body schedules every timer, calls `scheduled`
/// once they are all in, fires them all, and returns how many fired. Reports each median.
func measure(count: Int, _ bodies: [(name: String, body: Body)]) -> [Measurement] {
    var times = Array(repeating: [Double](), count: bodies.count)
    var bytes = Array(repeating: 0.0, count: bodies.count)
    for _ in 0..<runs {
        for (index, (name, body)) in bodies.enumerated() {
            let before = heapBytesInUse()
            let start = ContinuousClock.now
            let fired = body { bytes[index] = Double(heapBytesInUse() - before) / Double(count) }
            let elapsed = ContinuousClock.now - start
            precondition(fired == count, "\(name) fired \(fired) of \(count)")
            times[index].append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
    }
    return bodies.indices.map { index in
        let median = times[index].sorted()[runs / 2]
        let perTimer = median / Double(count) * 1e9
        print(String(format: "  %-13@ %9.1f ms  %6.1f ns per timer  %5.1f bytes per timer",
                     bodies[index].name as NSString, median * 1000, perTimer, bytes[index]))
        return Measurement(nanosecondsPerTimer: perTimer, bytesPerTimer: bytes[index])
    }
}

func scenario(_ title: String, count: Int, span: Int64, stepMs: Int64?) {
    var random = SplitMix64(seed: 42)
    let deadlines = (0..<count).map { _ in Int64.random(in: 1...span, using: &random) }
    print("\(title): \(count) timers over \(span / 1000) s, " + (stepMs.map { "advancing \($0) ms at a time" } ?? "waking at each next expiration"))
    let wheelBody: Body = { scheduled in
        var wheel = TimingWheel<Int>(startTime: 0, slotsPerLevel: slotsPerLevel)
        for (payload, deadline) in deadlines.enumerated() { _ = wheel.schedule(at: deadline, payload) }
        scheduled()
        var fired = 0
        var now: Int64 = 0
        while !wheel.isEmpty {
            if let stepMs { now += stepMs } else { now = max(now, wheel.nextExpiration ?? now) }
            while wheel.popExpired(upTo: now) != nil { fired += 1 }
        }
        return fired
    }
    let heapBody: Body = { scheduled in
        if ProcessInfo.processInfo.environment["WHEEL_ONLY"] != nil {
            scheduled()
            return count
        }
        var heap = Heap<HeapTimer>()
        for (payload, deadline) in deadlines.enumerated() { heap.insert(HeapTimer(deadline: deadline, payload: payload)) }
        scheduled()
        var fired = 0
        var now: Int64 = 0
        while let next = heap.min {
            if let stepMs { now += stepMs } else { now = max(now, next.deadline) }
            while let due = heap.min, due.deadline <= now {
                heap.removeMin()
                fired += 1
            }
        }
        return fired
    }
    let measured = measure(count: count, [("timing wheel", wheelBody), ("binary heap", heapBody)])
    let (wheel, heap) = (measured[0], measured[1])
    print(String(format: "  the timing wheel is %.1fx as fast as the heap\n", heap.nanosecondsPerTimer / wheel.nanosecondsPerTimer))
    for (name, result) in [("wheel", wheel), ("heap", heap)] {
        print(String(format: "RESULT %@ %@ %d %.1f %.1f", name as NSString, title as NSString, count, result.nanosecondsPerTimer, result.bytesPerTimer))
    }
}

let slotsPerLevel = ProcessInfo.processInfo.environment["SLOTS"].flatMap(Int.init) ?? 256
/// How many times each structure runs (taking turns); the median is reported.
let runs = ProcessInfo.processInfo.environment["RUNS"].flatMap(Int.init) ?? 5
let counts = CommandLine.arguments.dropFirst().compactMap(Int.init)
/// SCENARIO=saturated or sparse runs one of them (for a profile).
let only = ProcessInfo.processInfo.environment["SCENARIO"]
for count in counts.isEmpty ? [1_000_000] : counts {
    if only != "sparse" { scenario("saturated", count: count, span: 60_000, stepMs: 1) }
    if only != "saturated" { scenario("sparse", count: count, span: 3_600_000, stepMs: nil) }
}
