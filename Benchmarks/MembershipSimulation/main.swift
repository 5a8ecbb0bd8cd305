// The gossip membership protocol in memory (RunhooksCore.MembershipSimulation) at cluster
// sizes one machine cannot run as processes. For each size: one member crashes, and we
// report when the first member suspects it and when every member has it dead; then a new
// member joins through one seed, and we report when every member knows it. Times are
// simulated milliseconds and protocol periods (500 ms by default).
//
//   swift run -c release MembershipSimulation [sizes…]      (default: 100 1000)
import RunhooksCore

let sizes = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let period = Membership.Settings().protocolPeriodMs

func describe(_ ms: Int64?) -> String {
    guard let ms else { return "not within the limit" }
    return "\(ms) ms (\(String(format: "%.1f", Double(ms) / Double(period))) periods)"
}

for size in sizes.isEmpty ? [100, 1000] : sizes {
    var simulation = MembershipSimulation(count: size, seed: 2026)
    _ = simulation.run(untilMs: 2000) { _ in false }
    let sentBefore = simulation.messagesSent
    let victim = "n\(size / 2)"
    simulation.kill(victim)
    let suspected = simulation.run(untilMs: 120_000) {
        $0.count(seeing: victim, as: .suspect) + $0.count(seeing: victim, as: .dead) > 0
    }
    let dead = simulation.run(untilMs: 120_000) { $0.count(seeing: victim, as: .dead) == $0.others(than: victim) }
    let elapsedMs = (suspected ?? 0) + (dead ?? 0)
    let perMemberPerPeriod = Double(simulation.messagesSent - sentBefore) / Double(size) / (Double(elapsedMs) / Double(period))
    simulation.join("joiner", through: "n0")
    let joined = simulation.run(untilMs: 120_000) { $0.count(seeing: "joiner", as: .alive) == $0.others(than: "joiner") }
    print("\(size) members:")
    print("  crash: first suspicion after \(describe(suspected)), dead at every member after \(describe(suspected.flatMap { s in dead.map { s + $0 } }))")
    print("  join: known alive by every member after \(describe(joined))")
    print("  messages: \(String(format: "%.1f", perMemberPerPeriod)) per member per period")
}
