import Foundation
import Hummingbird
import HummingbirdTesting
import RunhooksCore
import RunhooksStore
import Testing

@testable import RunhooksServer

/// A change for a tenant is applied only where its shard runs or is free to run.
@Suite struct ShardInTransitTests {
    @Test func changesWaitWhileAnotherNodeStillHoldsTheShard() async throws {
        let environment = try await TestEnvironment.make(
            cluster: ClusterConfiguration(key: "transit-test-key-0123456789", nodeId: "a", port: 0))
        let (services, store, clock) = (environment.services, environment.store, environment.clock)
        try await environment.test { api in
            let key = try await api.anonymousKey()
            let userId = try #require(try await api.get("/auth/me", token: key).data["id"]?.string)
            let created = try await api.createJob(key)
            let jobId = try #require(created.data["id"]?.string)
            // Node b still holds the tenant's shard: it is handing it over, or it is cut off from
            // this node's gossip and still runs the shard's wheel, which would not hear of a change.
            let shard = services.ownership.shards.shard(forUser: userId)
            #expect(try await store.acquireLease(shard: shard, node: "b", duration: 4, at: clock.now()) != nil)
            let refused = try await api.request(.patch, "/jobs/\(jobId)", token: key, json: ["status": "paused"])
            #expect(refused.status == .serviceUnavailable && refused.headers[.retryAfter] == "1")
            #expect(refused.error?.contains("node b still runs it") == true)
            #expect(try await api.createJob(key).status == .serviceUnavailable)
            #expect(try await api.post("/jobs/\(jobId)/trigger", token: key).status == .serviceUnavailable)
            // Reads are served meanwhile, and the job is unchanged.
            #expect(try await api.get("/jobs/\(jobId)", token: key).data["status"] == "active")
            // Once b's lease has run out (or b released it), changes go through.
            clock.advance(by: 5)
            #expect(try await api.request(.patch, "/jobs/\(jobId)", token: key, json: ["status": "paused"]).status == .ok)
        }
        try await services.gateway?.shutdown()
    }
}
