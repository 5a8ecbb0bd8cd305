import Testing

@testable import RunhooksCore

/// The membership protocol at 100 members, in memory with a manual clock.
@Suite struct MembershipSimulationTests {
    static let periodMs = Membership.Settings().protocolPeriodMs

    @Test func aCrashAmongAHundredIsSeenByEveryoneWithinTheSuspicionBound() throws {
        var simulation = MembershipSimulation(count: 100, seed: 42)
        _ = simulation.run(untilMs: 2000) { _ in false }  // let probing get going
        simulation.kill("n42")
        let firstSuspicion = simulation.run(untilMs: 60_000) { $0.count(seeing: "n42", as: .suspect) + $0.count(seeing: "n42", as: .dead) > 0 }
        let everywhere = simulation.run(untilMs: 60_000) { $0.count(seeing: "n42", as: .dead) == $0.others(than: "n42") }
        let suspicionMs = try #require(firstSuspicion)
        let convergedMs = try #require(everywhere)
        // Suspected within a few periods; dead everywhere within the Lifeguard timeout
        // (3 × log2(101) periods ≈ 20) plus dissemination.
        #expect(suspicionMs <= 4 * Self.periodMs)
        #expect(suspicionMs + convergedMs <= 30 * Self.periodMs, "took \(suspicionMs + convergedMs) ms")
        // No live member was declared dead on the way.
        for id in simulation.peers.keys where id != "n42" {
            #expect(simulation.count(seeing: id, as: .dead) == 0)
        }
    }

    @Test func aHealedPartitionBringsBothSidesBack() throws {
        var simulation = MembershipSimulation(count: 5, seed: 11)
        _ = simulation.run(untilMs: 2000) { _ in false }
        simulation.partition(["n3", "n4"])
        func sees(_ viewer: String, _ member: String, _ status: Membership.Status) -> (MembershipSimulation) -> Bool {
            { $0.peers[viewer]!.membership.members[member]?.status == status }
        }
        // Each side declares the other dead...
        let split = simulation.run(untilMs: 60_000) { sim in
            ["n0", "n1", "n2"].allSatisfy { v in ["n3", "n4"].allSatisfy { sees(v, $0, .dead)(sim) } }
                && ["n3", "n4"].allSatisfy { v in ["n0", "n1", "n2"].allSatisfy { sees(v, $0, .dead)(sim) } }
        }
        #expect(split != nil)
        // ...and once the network heals, every member sees every other alive again.
        simulation.heal()
        let healed = simulation.run(untilMs: 30_000) { sim in
            sim.peers.values.allSatisfy { $0.membership.aliveIds.count == 5 }
                && sim.peers.values.allSatisfy { peer in peer.membership.members.values.allSatisfy { $0.status == .alive } }
        }
        let healedMs = try #require(healed)
        #expect(healedMs <= 10_000, "took \(healedMs) ms")
    }

    @Test func aJoinerIsKnownToAHundredMembersWithinAFewPeriods() throws {
        var simulation = MembershipSimulation(count: 100, seed: 7)
        simulation.join("late", through: "n0")
        let converged = simulation.run(untilMs: 30_000) { $0.count(seeing: "late", as: .alive) == 100 }
        let convergedMs = try #require(converged)
        #expect(convergedMs <= 10 * Self.periodMs, "took \(convergedMs) ms")
        // And the joiner knows everyone.
        #expect(simulation.peers["late"]!.membership.aliveIds.count == 101)
    }
}

/// Pings and acks carry the sender's view digest; a member that sees a different one pushes
/// its view at once, so two members that disagree about who is alive converge in one exchange.
@Suite struct ViewDigestTests {
    @Test func differingViewsAreRepairedByThePingAndItsAck() throws {
        var a = GossipPeer(membership: Membership(localId: "a", address: "a"))
        var b = GossipPeer(membership: Membership(localId: "b", address: "b"))
        _ = a.receive(.sync([.init(id: "b", address: "b", status: .alive, incarnation: 0),
            .init(id: "c", address: "c", status: .alive, incarnation: 0)]), now: 0)
        _ = b.receive(.sync([.init(id: "a", address: "a", status: .alive, incarnation: 0)]), now: 0)
        #expect(a.membership.viewDigest != b.membership.viewDigest)

        let ping = GossipMessage.ping(from: "a", sequence: 1, view: a.membership.viewDigest, updates: [a.membership.selfUpdate])
        let answer = b.receive(ping, now: 10)
        #expect(answer.envelopes.contains { $0.address == "a" && { if case .sync = $0.message { true } else { false } }($0) })
        let ack = try #require(answer.envelopes.first { if case .ack = $0.message { true } else { false } })
        let repair = a.receive(ack.message, now: 20)
        let sync = try #require(repair.envelopes.first { $0.address == "b" })
        _ = b.receive(sync.message, now: 30)
        #expect(b.membership.members["c"]?.status == .alive)
        #expect(a.membership.viewDigest == b.membership.viewDigest)
    }
}
