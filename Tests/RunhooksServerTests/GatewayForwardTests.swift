import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import RunhooksTestSupport
import Testing

@testable import RunhooksServer

/// When the gateway may send a forward again: only when the owner cannot have seen it.
@Suite struct GatewayForwardTests {
    static func failure(of request: HTTPClientRequest, timeout: TimeAmount = .seconds(5)) async -> (any Error)? {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(2))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var failure: (any Error)?
        do {
            _ = try await client.execute(request, timeout: timeout)
        } catch {
            failure = error
        }
        try? await client.shutdown()
        return failure
    }

    @Test func aRefusedConnectionNeverReachedTheOwner() async throws {
        // A port that was just free: nothing listens on it.
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/jobs")
        request.method = .POST
        let error = try #require(await Self.failure(of: request))
        #expect(ClusterGateway.neverReached(error), "\(error)")
    }

    @Test func aTimeoutAfterSendingMayHaveBeenApplied() async throws {
        let router = Router()
        router.post("slow") { _, _ in
            try await Task.sleep(for: .seconds(5))
            return Response(status: .ok)
        }
        let server = await TestHTTPServer.start(router: router, label: "slow-owner")
        var request = HTTPClientRequest(url: "\(server.baseURL)/slow")
        request.method = .POST
        let error = try #require(await Self.failure(of: request, timeout: .milliseconds(300)))
        #expect(!ClusterGateway.neverReached(error), "\(error)")
        #expect(ClusterGateway.mayHaveBeenApplied(error).status == .gatewayTimeout)
        #expect(!ClusterGateway.safeToRepeat.contains(.post) && !ClusterGateway.safeToRepeat.contains(.patch))
        await server.stop(grace: .milliseconds(100))
    }
}
