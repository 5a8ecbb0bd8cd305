import Foundation
import RunhooksCore
import RunhooksTestSupport

/// Several real `runhooks serve` processes on loopback sharing one store (a SQLite file, or a
/// PostgreSQL database), each with its own data directory and a gossip port picked by the system.
final class TestCluster: @unchecked Sendable {
    let directory: String
    private(set) var nodes: [String: ServerProcess] = [:]
    let shards = ShardMap(shardCount: 64)
    /// The gossip key every node of this cluster shares.
    let key = "test-cluster-key-\(UUID().uuidString)"

    let database: String

    /// `database`: a store URL; nil means a SQLite file in the cluster's directory.
    init(database: String? = nil) {
        directory = TestScratch.path("runhooks-cluster").path
        self.database = database ?? "sqlite:\(directory)/runhooks.sqlite"
    }

    /// Starts node `id`, joining the gossip addresses of `seeds`.
    @discardableResult
    func start(_ id: String, joining seeds: [String] = []) async throws -> ServerProcess {
        var arguments = [
            "--database", database, "--node-id", id, "--cluster-port", "0", "--cluster-key", key, "--allow-private-targets",
            "--rate-limits", "off", "--log-level", "info",
        ]
        var addresses: [String] = []
        for seed in seeds { addresses.append(try await gossipAddress(of: seed)) }
        if !addresses.isEmpty { arguments += ["--join", addresses.joined(separator: ",")] }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let node = try await ServerProcess.launch(dataDirectory: "\(directory)/\(id)", arguments: arguments)
        nodes[id] = node
        return node
    }

    /// Starts the first node alone and the others joining it, then waits until they settle.
    @discardableResult
    func startNodes(_ ids: [String]) async throws -> [String: Set<Int>] {
        for (index, id) in ids.enumerated() { try await start(id, joining: index == 0 ? [] : [ids[0]]) }
        return try await waitUntilSettled(ids)
    }

    func client(_ id: String) -> HTTPJSONClient { HTTPJSONClient(base: nodes[id]!.apiURL) }

    /// The `cluster` part of a node's health answer.
    func view(of id: String) async throws -> [String: Any] {
        let (_, health) = try await client(id).send("GET", "/health")
        return ((health["data"] as? [String: Any])?["cluster"] as? [String: Any]) ?? [:]
    }

    func gossipAddress(of id: String) async throws -> String {
        for _ in 0..<100 {
            let members = try await view(of: id)["members"] as? [[String: Any]] ?? []
            if let me = members.first(where: { $0["id"] as? String == id }), let address = me["gossipAddress"] as? String {
                return address
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ProcessFailure("\(id) never reported its gossip address")
    }

    /// Waits until every node in `ids` sees exactly `ids` alive, each runs shards, and their
    /// running shards cover every shard once; returns each node's running shards.
    func waitUntilSettled(_ ids: [String], timeout: Duration = .seconds(30)) async throws -> [String: Set<Int>] {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            var running: [String: Set<Int>] = [:]
            var agreed = true
            for id in ids {
                let view = try await view(of: id)
                let alive = (view["members"] as? [[String: Any]] ?? [])
                    .filter { $0["status"] as? String == "alive" }.compactMap { $0["id"] as? String }
                if Set(alive) != Set(ids) { agreed = false }
                running[id] = Set(view["runningShards"] as? [Int] ?? [])
            }
            let all = running.values.flatMap { $0 }
            // Settled means every node runs its share, not only that the others cover for it.
            let everyNodeRuns = running.values.allSatisfy { !$0.isEmpty } || ids.count > shards.shardCount
            if agreed, everyNodeRuns, all.count == shards.shardCount, Set(all).count == shards.shardCount { return running }
            last = "agreed: \(agreed), running: \(running.mapValues(\.count))"
            try await Task.sleep(for: .milliseconds(100))
        }
        let logs = ids.map { "--- \($0)'s log, last lines:\n\(nodes[$0]?.logTail() ?? "")" }.joined(separator: "\n")
        throw ProcessFailure("cluster \(ids) did not settle: \(last)\n\(logs)")
    }

    /// The node whose table places `userId`'s shard on it, as `viewer` sees it.
    func owner(ofUser userId: String, viewer: String) async throws -> String {
        let owners = try await view(of: viewer)["shardOwners"] as? [String] ?? []
        return owners[shards.shard(forUser: userId)]
    }

    /// Stops every node (SIGTERM, waiting off the pool).
    func shutDown() async {
        for node in nodes.values { await node.shutDown() }
    }

    func stopAll() {
        for node in nodes.values where node.process.isRunning { node.terminate() }
    }
}
