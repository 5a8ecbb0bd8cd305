import Testing

@testable import RunhooksCore

@Suite struct WireFrameTests {
    @Test func framesRoundTripAcrossArbitraryChunks() throws {
        var writer = WireWriter()
        writer.write("node-a")
        writer.write(UInt64(42))
        let frames = [
            WireFrame(kind: .ping, payload: writer.bytes), WireFrame(kind: .ack, payload: []),
            WireFrame(kind: .sync, payload: Array(repeating: 7, count: 5000)),
        ]
        let mac = Array(repeating: UInt8(0xAB), count: WireFrame.macLength)
        let stream = frames.flatMap { $0.sealed { _ in mac } }
        for chunk in [1, 3, 10, 4096, stream.count] {
            var decoder = WireFrameDecoder()
            var decoded: [WireFrame.Sealed] = []
            var offset = 0
            while offset < stream.count {
                decoded += try decoder.feed(stream[offset..<min(offset + chunk, stream.count)])
                offset += chunk
            }
            #expect(decoded.map(\.frame) == frames)
            #expect(decoded.allSatisfy { $0.mac == mac })
            #expect(decoder.pendingBytes == 0)
        }
        var reader = WireReader(frames[0].payload)
        #expect(try reader.readString() == "node-a")
        #expect(try reader.readUInt64() == 42)
        #expect(reader.isAtEnd)
    }

    @Test func badFramesAreRejected() {
        var bad = WireFrame(kind: .ping, payload: []).encoded()
        bad[0] = UInt8(ascii: "X")
        var decoder = WireFrameDecoder()
        #expect(throws: WireError.badMagic) { try decoder.feed(bad) }
        var version = WireFrame(kind: .ping, payload: []).encoded()
        version[4] = 9
        decoder = WireFrameDecoder()
        #expect(throws: WireError.unsupportedVersion(9)) { try decoder.feed(version) }
        var kind = WireFrame(kind: .ping, payload: []).encoded()
        kind[5] = 200
        decoder = WireFrameDecoder()
        #expect(throws: WireError.unknownKind(200)) { try decoder.feed(kind) }
        let oversize = WireFrame.magic + [WireFrame.version, 1, 0x7F, 0xFF, 0xFF, 0xFF]
        decoder = WireFrameDecoder()
        #expect(throws: WireError.oversize(0x7FFF_FFFF)) { try decoder.feed(oversize) }
        var truncated = WireReader([5, 65, 66])
        #expect(throws: WireError.self) { try truncated.readString() }
    }

    @Test func randomBytesNeverCrashTheDecoder() {
        var random = SplitMix64(seed: 99)
        for _ in 0..<2000 {
            var decoder = WireFrameDecoder()
            let length = Int.random(in: 0..<64, using: &random)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            if Bool.random(using: &random) { bytes = WireFrame.magic + [WireFrame.version] + bytes }
            _ = try? decoder.feed(bytes)
        }
    }
}

@Suite struct ShardPlacementTests {
    @Test func everyNodeComputesTheSameBalancedTable() {
        let members = ["node-a", "node-b", "node-c", "node-d"]
        let table = ShardPlacement.table(members: members, shardCount: 256)
        #expect(table == ShardPlacement.table(members: members.reversed(), shardCount: 256))
        let counts = Dictionary(grouping: table, by: { $0 }).mapValues(\.count)
        #expect(counts.count == 4)
        #expect(counts.values.allSatisfy { (40...90).contains($0) }, "\(counts)")
    }

    @Test func aJoinMovesAboutOneShardInN() {
        let before = ShardPlacement.table(members: ["a", "b", "c"], shardCount: 1024)
        let after = ShardPlacement.table(members: ["a", "b", "c", "d"], shardCount: 1024)
        let moved = zip(before, after).filter { $0 != $1 }
        #expect(moved.allSatisfy { $0.1 == "d" }, "only shards won by the new node move")
        #expect((180...340).contains(moved.count), "\(moved.count) of 1024 moved")
        let leave = ShardPlacement.table(members: ["a", "c", "d"], shardCount: 1024)
        #expect(zip(after, leave).filter { $0 != $1 }.allSatisfy { $0.0 == "b" })
    }
}

@Suite struct MembershipTests {
    func cluster() -> Membership {
        var membership = Membership(localId: "a", address: "127.0.0.1:7001")
        for (id, port) in [("b", 7002), ("c", 7003), ("d", 7004)] {
            _ = membership.apply(.init(id: id, address: "127.0.0.1:\(port)", status: .alive, incarnation: 0), now: 0)
        }
        return membership
    }

    @Test func anAnsweredPingKeepsTheMemberAlive() {
        var membership = cluster()
        guard case .ping(let target, let sequence) = membership.tick(now: 0).first else {
            Issue.record("expected a ping")
            return
        }
        #expect(membership.receivedAck(from: target, sequence: sequence, now: 50).isEmpty)
        #expect(membership.tick(now: 600).contains { if case .ping = $0 { true } else { false } })
        #expect(membership.members[target]?.status == .alive)
    }

    @Test func silenceLeadsToIndirectProbesThenSuspicionThenDeath() {
        var membership = cluster()
        guard case .ping(let target, _) = membership.tick(now: 0).first else {
            Issue.record("expected a ping")
            return
        }
        let indirect = membership.tick(now: 200)
        let helpers = indirect.compactMap { directive -> String? in
            if case .pingRequest(let via, let probed, _) = directive, probed == target { return via }
            return nil
        }
        #expect(helpers.count == 2 && !helpers.contains(target) && !helpers.contains("a"))
        let suspected = membership.tick(now: 500)
        #expect(suspected.contains { if case .changed(let member) = $0 { member.id == target && member.status == .suspect } else { false } })
        let timeout = membership.suspicionTimeoutMs
        #expect(timeout >= 1500)
        _ = membership.tick(now: 500 + timeout - 1)
        #expect(membership.members[target]?.status == .suspect)
        let dead = membership.tick(now: 500 + timeout)
        #expect(dead.contains { if case .changed(let member) = $0 { member.id == target && member.status == .dead } else { false } })
        #expect(!membership.aliveIds.contains(target))
    }

    @Test func aSuspectedNodeRefutesWithAHigherIncarnation() {
        var membership = cluster()
        let refutation = membership.apply(.init(id: "a", address: "", status: .suspect, incarnation: 0), now: 10)
        #expect(membership.incarnation == 1)
        #expect(refutation == [.changed(.init(id: "a", address: "127.0.0.1:7001", httpURL: "", status: .alive, incarnation: 1, since: 0))])
        // Elsewhere, the refutation clears the suspicion.
        var other = cluster()
        _ = other.apply(.init(id: "b", address: "", status: .suspect, incarnation: 0), now: 5)
        #expect(other.members["b"]?.status == .suspect)
        _ = other.apply(.init(id: "b", address: "127.0.0.1:7002", status: .alive, incarnation: 1), now: 6)
        #expect(other.members["b"]?.status == .alive && other.members["b"]?.incarnation == 1)
        // Stale news changes nothing.
        #expect(other.apply(.init(id: "b", address: "", status: .suspect, incarnation: 0), now: 7).isEmpty)
    }

    @Test func pingRequestsAreRelayed() {
        var membership = cluster()
        guard case .ping(let target, let relaySequence) = membership.receivedPingRequest(from: "c", target: "d", sequence: 77).first
        else {
            Issue.record("expected a relayed ping")
            return
        }
        #expect(target == "d")
        #expect(membership.receivedAck(from: "d", sequence: relaySequence, now: 1) == [.ack(to: "c", sequence: 77)])
        #expect(membership.receivedPing(from: "b", sequence: 5) == [.ack(to: "b", sequence: 5)])
    }
}
