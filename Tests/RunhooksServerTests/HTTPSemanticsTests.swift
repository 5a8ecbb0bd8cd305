import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import RunhooksServer

/// A known path asked with a method it does not serve answers as HTTP says.
struct HTTPSemanticsTests {
    @Test(arguments: [false, true]) func unsupportedMethodsGet405WithAllow(rateLimits: Bool) async throws {
        let env = try await TestEnvironment.make(rateLimits: rateLimits)
        try await env.application().test(.router) { client in
            try await client.execute(uri: "/api/v1/jobs", method: HTTPRequest.Method("TRACE")!) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD, OPTIONS, POST")
                #expect(String(buffer: response.body).contains(#""success":false"#))
            }
            try await client.execute(uri: "/api/v1/jobs/abc/trigger", method: .get) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "OPTIONS, POST")
            }
            try await client.execute(uri: "/api/v1/jobs/abc", method: .options) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.allow] == "DELETE, GET, HEAD, OPTIONS, PATCH, PUT")
            }
            try await client.execute(uri: "/api/v1/health", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentSecurityPolicy] != nil)
            }
            try await client.execute(uri: "/api/v1/no-such-thing", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.allow] == nil)
            }
        }
    }
}
