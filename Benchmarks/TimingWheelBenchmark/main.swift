// Timing wheel vs. binary heap (swift-collections `Heap`), in the same run and process.
// Two scenarios of N timers each (default 10^6):
//  - saturated: deadlines spread over 60 s, time advanced 1 ms at a time (a shard at full load);
//  - sparse: deadlines spread over an hour, the owner waking at each next expiration.
// Each figure is the best of 3 runs of schedule-all then fire-all, divided by N.
// Run: swift run -c release TimingWheelBenchmark [N]
import Foundation
import HeapModule
import RunhooksCore

struct HeapTimer: Comparable {
    let deadline: Int64
    let payload: Int
    static func < (lhs: Self, rhs: Self) -> Bool { lhs.deadline < rhs.deadline }
}

let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000

func measure(_ name: String, _ body: () -> Int) -> Double {
    var best = Double.infinity
    for _ in 0..<3 {
        let start = ContinuousClock.now
        let fired = body()
        let elapsed = ContinuousClock.now - start
        precondition(fired == count, "\(name) fired \(fired) of \(count)")
        best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
    let perTimer = best / Double(count) * 1e9
    print(String(format: "  %-13@ %8.1f ms  %6.1f ns per timer", name as NSString, best * 1000, perTimer))
    return perTimer
}

func scenario(_ title: String, span: Int64, stepMs: Int64?) {
    var random = SplitMix64(seed: 42)
    let deadlines = (0..<count).map { _ in Int64.random(in: 1...span, using: &random) }
    print("\(title): \(count) timers over \(span / 1000) s, " + (stepMs.map { "advancing \($0) ms at a time" } ?? "waking at each next expiration"))
    let wheel = measure("timing wheel") {
        var wheel = TimingWheel<Int>(startTime: 0)
        for (payload, deadline) in deadlines.enumerated() { _ = wheel.schedule(at: deadline, payload) }
        var fired = 0
        var batch: [TimingWheel<Int>.Timer] = []
        var now: Int64 = 0
        while !wheel.isEmpty {
            if let stepMs { now += stepMs } else { now = max(now, wheel.nextExpiration ?? now) }
            batch.removeAll(keepingCapacity: true)
            wheel.advance(to: now, into: &batch)
            fired += batch.count
        }
        return fired
    }
    let heap = measure("binary heap") {
        var heap = Heap<HeapTimer>()
        for (payload, deadline) in deadlines.enumerated() { heap.insert(HeapTimer(deadline: deadline, payload: payload)) }
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
    print(String(format: "  the timing wheel is %.1fx as fast as the heap\n", heap / wheel))
}

scenario("saturated", span: 60_000, stepMs: 1)
scenario("sparse", span: 3_600_000, stepMs: nil)
