import Foundation
import RunhooksTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Real `runhooks serve` processes forming a cluster on loopback, with a sink counting every
/// (job, slot) pair.
@Suite(.serialized) struct ClusterTests {
    /// Registers anonymous accounts through `via` until one lands on a shard that `owner` owns.
    static func user(ownedBy owner: String, via: String, in cluster: TestCluster) async throws -> (id: String, key: String) {
        for _ in 0..<200 {
            let (_, registered) = try await cluster.client(via).send("POST", "/auth/register-anonymous", body: ["name": "cluster"])
            let data = try #require(registered["data"] as? [String: Any])
            let key = try #require(data["apiKey"] as? String)
            let id = try #require((data["user"] as? [String: Any])?["id"] as? String)
            if try await cluster.owner(ofUser: id, viewer: via) == owner { return (id, key) }
        }
        throw ProcessFailure("no account landed on \(owner)")
    }

    static func createJob(_ name: String, key: String, via client: HTTPJSONClient, sink: SlotSink) async throws -> String {
        let (status, created) = try await client.send(
            "POST", "/jobs", key: key,
            body: [
                "name": name, "schedule": ["type": "interval", "expression": "1000"],
                "httpConfig": ["url": "\(await sink.baseURL)/tick", "method": "POST"],
            ])
        guard status == 201, let id = (created["data"] as? [String: Any])?["id"] as? String else {
            throw ProcessFailure("job not created: \(status) \(created)")
        }
        return id
    }

    @Test(arguments: ServerBackend.available)
    func aJobCreatedThroughOneNodeFiresOnceOnItsOwnerAndIsServedByEveryNode(_ backend: ServerBackend) async throws {
        let sink = try await SlotSink.start()
        let database = try await backend.makeDatabase()
        let cluster = TestCluster(database: database.url)
        defer { cluster.stopAll() }
        let running = try await cluster.startNodes(["a", "b", "c"])
        #expect(running.values.allSatisfy { !$0.isEmpty })
        let status = try await CLITests.Client().run("cluster", "status", "--api-url", cluster.nodes["b"]!.apiURL)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("as seen by b") && status.stdout.contains("shard table (64 shards)"))
        for node in ["a", "b", "c"] { #expect(status.stdout.contains("\n\(node)  ") && status.stdout.contains("  \(node): ")) }

        let user = try await Self.user(ownedBy: "c", via: "a", in: cluster)
        let jobId = try await Self.createJob("hop", key: user.key, via: cluster.client("a"), sink: sink)
        for node in ["a", "b", "c"] {
            let (status, job) = try await cluster.client(node).send("GET", "/jobs/\(jobId)", key: user.key)
            #expect(status == 200, "GET through \(node)")
            #expect((job["data"] as? [String: Any])?["name"] as? String == "hop")
        }
        let (patched, _) = try await cluster.client("b").send("PATCH", "/jobs/\(jobId)", key: user.key, body: ["name": "renamed"])
        #expect(patched == 200)
        let (_, reread) = try await cluster.client("c").send("GET", "/jobs/\(jobId)", key: user.key)
        #expect((reread["data"] as? [String: Any])?["name"] as? String == "renamed")
        // A client cannot pose as a forwarding node: without the cluster token the hop header is
        // ignored and the call is forwarded as usual (trusted, it would get a 503 "not the owner").
        let (forged, forgedJob) = try await cluster.client("a").send(
            "GET", "/jobs/\(jobId)", key: user.key,
            headers: ["Runhooks-Forwarded-By": "c", "Runhooks-Cluster-Token": String(repeating: "0", count: 64)])
        #expect(forged == 200 && (forgedJob["data"] as? [String: Any])?["name"] as? String == "renamed")
        // A wrong key is refused the same way through every node.
        let (refused, envelope) = try await cluster.client("a").send("GET", "/jobs/\(jobId)", key: "rh_live_nope")
        #expect(refused == 401 && envelope["success"] as? Bool == false)

        #expect(await sink.waitFor(4))
        #expect(await sink.firstAttemptsAreUnique(), "a slot was delivered twice")
        // A key rotated through one node stops working on every node at once.
        let (rotated, rotation) = try await cluster.client("b").send("POST", "/auth/rotate-key", key: user.key)
        #expect(rotated == 200)
        let newKey = try #require((rotation["data"] as? [String: Any])?["apiKey"] as? String)
        for node in ["a", "b", "c"] {
            #expect(try await cluster.client(node).send("GET", "/auth/me", key: user.key).0 == 401, "old key on \(node)")
            #expect(try await cluster.client(node).send("GET", "/auth/me", key: newKey).0 == 200, "new key on \(node)")
        }
        let (_, page) = try await cluster.client("b").send("GET", "/jobs/\(jobId)/executions?limit=100", key: newKey)
        let executions = try #require((page["data"] as? [String: Any])?["data"] as? [[String: Any]])
        #expect(executions.count >= 4)
        await cluster.shutDown()  // nothing may reach the sink while it shuts down
        await sink.stop()
        await database.drop()
    }

    @Test(arguments: ServerBackend.available)
    func theShardsOfAKilledNodeFireAgainOnTheOthersWithoutADoubledSlot(_ backend: ServerBackend) async throws {
        let sink = try await SlotSink.start()
        let database = try await backend.makeDatabase()
        let cluster = TestCluster(database: database.url)
        defer { cluster.stopAll() }
        try await cluster.startNodes(["a", "b", "c"])
        // Two busy tenants on the node that will die, one on each survivor.
        var tenants: [(key: String, job: String)] = []
        for owner in ["c", "c", "a", "b"] {
            let user = try await Self.user(ownedBy: owner, via: "a", in: cluster)
            tenants.append((user.key, try await Self.createJob("t\(tenants.count)", key: user.key, via: cluster.client("a"), sink: sink)))
        }
        #expect(await sink.waitFor(8))
        await cluster.nodes["c"]!.kill9()
        let killedAt = Date()
        _ = try await cluster.waitUntilSettled(["a", "b"])
        let settledAt = Date()
        // Every job, including the dead node's, fires again after the survivors took over.
        let before = await sink.count()
        #expect(await sink.waitFor(before + 3 * tenants.count, timeout: .seconds(30)))
        for tenant in tenants {
            let slots = await sink.deliveries().filter { $0.jobId == tenant.job }.compactMap { KillRestartTests.parse($0.scheduledAt) }
            #expect(slots.contains { $0 > settledAt }, "job \(tenant.job) did not fire after the takeover")
        }
        #expect(settledAt.timeIntervalSince(killedAt) < 15)
        #expect(await sink.firstAttemptsAreUnique(), "a slot was delivered twice")
        // Every slot is delivered or counted as missed by the catch-up.
        for tenant in tenants {
            let (_, page) = try await cluster.client("b").send("GET", "/jobs/\(tenant.job)/executions?limit=100", key: tenant.key)
            let executions = try #require((page["data"] as? [String: Any])?["data"] as? [[String: Any]])
            let gaps = KillRestartTests.gapsNotRecordedAsMissed(executions, everyMs: 1000)
            #expect(gaps.isEmpty, "job \(tenant.job): \(gaps)")
        }
        await cluster.shutDown()  // nothing may reach the sink while it shuts down
        await sink.stop()
        await database.drop()
    }

    @Test func aFourthNodeTakesAboutAQuarterOfTheShards() async throws {
        let sink = try await SlotSink.start()
        let cluster = TestCluster()
        defer { cluster.stopAll() }
        let before = try await cluster.startNodes(["a", "b", "c"])
        var jobs: [String] = []
        for owner in ["a", "b", "c"] {
            let user = try await Self.user(ownedBy: owner, via: "b", in: cluster)
            jobs.append(try await Self.createJob("j\(jobs.count)", key: user.key, via: cluster.client("b"), sink: sink))
        }
        #expect(await sink.waitFor(6))
        try await cluster.start("d", joining: ["b"])
        let after = try await cluster.waitUntilSettled(["a", "b", "c", "d"])
        let moved = after["d"]!.count
        #expect((8...24).contains(moved), "the new node runs \(moved) of 64 shards")
        // Only shards that went to the new node moved.
        for node in ["a", "b", "c"] { #expect(after[node]!.isSubset(of: before[node]!)) }
        let count = await sink.count()
        #expect(await sink.waitFor(count + 3 * jobs.count))
        #expect(await sink.firstAttemptsAreUnique(), "a slot was delivered twice")
        await cluster.shutDown()  // nothing may reach the sink while it shuts down
        await sink.stop()
    }

    /// A node frozen long enough to lose its leases (SIGSTOP: no gossip, no renewals) wakes up
    /// believing it still runs its shards; the store refuses its claims, so no slot goes out twice.
    @Test func aNodeThatLostItsLeasesWhileCutOffCannotFireThem() async throws {
        let sink = try await SlotSink.start()
        let cluster = TestCluster()
        defer { cluster.stopAll() }
        try await cluster.startNodes(["a", "b", "c"])
        var jobs: [String] = []
        for _ in 0..<2 {
            let user = try await Self.user(ownedBy: "c", via: "a", in: cluster)
            jobs.append(try await Self.createJob("p\(jobs.count)", key: user.key, via: cluster.client("a"), sink: sink))
        }
        #expect(await sink.waitFor(4))
        let frozen = cluster.nodes["c"]!.process.processIdentifier
        kill(frozen, SIGSTOP)
        _ = try await cluster.waitUntilSettled(["a", "b"])
        let count = await sink.count()
        #expect(await sink.waitFor(count + 2 * jobs.count))  // the survivors fire c's jobs
        kill(frozen, SIGCONT)
        // c's wheels fire the slots that came due while it was frozen; every claim is refused.
        let afterThaw = await sink.count()
        #expect(await sink.waitFor(afterThaw + 4 * jobs.count))
        #expect(await sink.firstAttemptsAreUnique(), "a slot was delivered twice")
        // c refutes its death and takes its shards back.
        _ = try await cluster.waitUntilSettled(["a", "b", "c"])
        #expect(await sink.firstAttemptsAreUnique(), "a slot was delivered twice")
        await cluster.shutDown()  // nothing may reach the sink while it shuts down
        await sink.stop()
    }

    @Test func aNodeRefusesToJoinAnotherMachineOverALocalSQLiteFile() async throws {
        let directory = TestScratch.path("runhooks-remote").path
        let key = "a-cluster-key-of-some-length"
        let refused = try await CLITests.Client().run(
            "serve", "--port", "0", "--data-dir", directory, "--join", "10.20.30.40:7946", "--cluster-key", key)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--join names another machine") && refused.stderr.contains("PostgreSQL"))
        let badSeed = try await CLITests.Client().run(
            "serve", "--port", "0", "--data-dir", directory, "--join", "nohost", "--cluster-key", key)
        #expect(badSeed.status != 0 && badSeed.stderr.contains("--join takes HOST:PORT"))
        // Gossip is authenticated: a cluster node needs a key, and a long enough one.
        let keyless = try await CLITests.Client().run("serve", "--port", "0", "--data-dir", directory, "--cluster-port", "0")
        #expect(keyless.status != 0 && keyless.stderr.contains("--cluster-key"))
        let short = try await CLITests.Client().run(
            "serve", "--port", "0", "--data-dir", directory, "--cluster-port", "0", "--cluster-key", "short")
        #expect(short.status != 0 && short.stderr.contains("at least 16 characters"))
    }
}
