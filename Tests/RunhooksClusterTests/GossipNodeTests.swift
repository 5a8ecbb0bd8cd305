import Foundation
import RunhooksCore
import Testing

@testable import RunhooksCluster

@Suite(.serialized) struct GossipNodeTests {
    static let key = ClusterKey("gossip-test-key-0123456789")

    @Test func threeNodesFindEachOtherOverTCPAndDetectAFailure() async throws {
        let a = GossipNode(id: "node-a", key: Self.key)
        let b = GossipNode(id: "node-b", key: Self.key)
        let c = GossipNode(id: "node-c", key: Self.key)
        try await a.start()
        let seed = "127.0.0.1:\(await a.port)"
        try await b.start(seeds: [seed])
        try await c.start(seeds: [seed])
        let allAlive: @Sendable ([String: Membership.Status]) -> Bool = { view in
            ["node-a", "node-b", "node-c"].allSatisfy { view[$0] == .alive }
        }
        var converged = true
        for node in [a, b, c] { converged = await node.waitUntil(timeout: .seconds(10), allAlive) && converged }
        let views = [await a.aliveMembers, await b.aliveMembers, await c.aliveMembers]
        #expect(converged, "views: \(views)")

        // node-c stops answering; the others declare it dead within the detection budget.
        await c.stop()
        let started = ContinuousClock.now
        let cDead: @Sendable ([String: Membership.Status]) -> Bool = { $0["node-c"] == .dead }
        let detectedByA = await a.waitUntil(timeout: .seconds(15), cDead)
        let detectedByB = await b.waitUntil(timeout: .seconds(15), cDead)
        let detected = detectedByA && detectedByB
        #expect(detected)
        #expect(ContinuousClock.now - started < .seconds(8))
        let remaining = await a.aliveMembers
        #expect(remaining == ["node-a", "node-b"])
        await a.stop()
        await b.stop()
    }

    @Test func garbageOnTheGossipPortDoesNotHurtTheNode() async throws {
        let node = GossipNode(id: "solo", key: Self.key)
        try await node.start()
        let port = await node.port
        var random = UInt64(7)
        for _ in 0..<50 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...200) {
                random = random &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(UInt8(random >> 56))
            }
            try? Self.sendRaw(bytes, port: port)
        }
        // Still serving: a real peer can join afterwards.
        let peer = GossipNode(id: "peer", key: Self.key)
        try await peer.start(seeds: ["127.0.0.1:\(port)"])
        let joined = await node.waitUntil(timeout: .seconds(10)) { $0["peer"] == .alive }
        #expect(joined)
        await peer.stop()
        await node.stop()
    }

    @Test func framesWithoutTheClusterKeyAreDroppedAndCounted() async throws {
        let node = GossipNode(id: "keeper", key: Self.key)
        try await node.start()
        let port = await node.port
        // A node with another key cannot join: its frames are dropped, and it never hears back.
        let stranger = GossipNode(id: "stranger", key: ClusterKey("another-key-0123456789"))
        try await stranger.start(seeds: ["127.0.0.1:\(port)"])
        // A forged frame, well formed but sealed with a wrong MAC, is dropped too.
        let forged = GossipMessage.leave(Membership.Update(id: "keeper", address: "127.0.0.1:\(port)", status: .left, incarnation: 99))
        try Self.sendRaw(forged.frame.sealed { _ in Array(repeating: 0, count: WireFrame.macLength) }, port: port)
        #expect(await node.waitForRejectedFrames(2, timeout: .seconds(10)))
        #expect(await node.view == ["keeper": .alive])
        #expect(await stranger.view["keeper"] == nil)
        // The right key still gets in.
        let friend = GossipNode(id: "friend", key: Self.key)
        try await friend.start(seeds: ["127.0.0.1:\(port)"])
        #expect(await node.waitUntil(timeout: .seconds(10)) { $0["friend"] == .alive })
        await friend.stop()
        await stranger.stop()
        await node.stop()
    }

    static func sendRaw(_ bytes: [UInt8], port: Int) throws {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketDescriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return }
        _ = bytes.withUnsafeBytes { write(socketDescriptor, $0.baseAddress, bytes.count) }
    }
}

@Suite struct GossipMessageTests {
    @Test func messagesRoundTrip() throws {
        let update = Membership.Update(id: "n1", address: "10.1.2.3:7946", status: .suspect, incarnation: 9)
        let messages: [GossipMessage] = [
            .ping(from: "a", sequence: 1, updates: [update]), .ack(from: "b", sequence: 2, updates: []),
            .pingRequest(from: "a", target: "c", sequence: 3), .join(update), .sync([update, update]), .leave(update),
        ]
        for message in messages {
            #expect(try GossipMessage(frame: message.frame) == message)
        }
        var truncated = GossipMessage.ping(from: "a", sequence: 1, updates: [update]).frame
        truncated.payload.removeLast(3)
        #expect(throws: WireError.self) { try GossipMessage(frame: truncated) }
    }
}
