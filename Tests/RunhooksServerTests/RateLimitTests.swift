import Foundation
import HTTPTypes
import RunhooksCore
import Testing

@testable import RunhooksServer

@Suite struct RateLimitTests {
    @Test func everyResponseCarriesDraft7Headers() async throws {
        let environment = try await TestEnvironment.make(rateLimits: true)
        try await environment.test { api in
            let health = try await api.get("/health")
            #expect(health.headers[HTTPField.Name("RateLimit-Policy")!] == "100;w=900")
            #expect(health.headers[HTTPField.Name("RateLimit")!] == "limit=100, remaining=99, reset=900")
            let missing = try await api.get("/nope")
            #expect(missing.headers[HTTPField.Name("RateLimit")!] == "limit=100, remaining=98, reset=900")
            // The most specific policy's headers win.
            let registered = try await api.post("/auth/register-anonymous", json: [:])
            #expect(registered.headers[HTTPField.Name("RateLimit-Policy")!] == "5;w=3600")
        }
    }

    @Test func globalLimitAnswers429WithRetryAfter() async throws {
        let environment = try await TestEnvironment.make(rateLimits: true)
        try await environment.test { api in
            for _ in 0..<100 { #expect(try await api.get("/health").status == .ok) }
            environment.clock.advance(by: 60)
            let limited = try await api.get("/health")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.json == ["success": false, "error": "Too many requests, please try again later."])
            #expect(limited.headers[.retryAfter] == "840")
            #expect(limited.headers[HTTPField.Name("RateLimit")!] == "limit=100, remaining=0, reset=840")
            environment.clock.advance(by: 840)
            #expect(try await api.get("/health").status == .ok)
        }
    }

    @Test func registrationIsFivePerHourPerAddress() async throws {
        let environment = try await TestEnvironment.make(rateLimits: true)
        try await environment.test { api in
            for _ in 0..<5 { #expect(try await api.post("/auth/register-anonymous", json: [:]).status == .created) }
            let sixth = try await api.post("/auth/register-anonymous", json: [:])
            #expect(sixth.status == .tooManyRequests && sixth.headers[.retryAfter] == "3600")
            let viaRegister = try await api.post(
                "/auth/register", json: ["email": .string(APIClient.email("x")), "password": "securepass", "name": "n"])
            #expect(viaRegister.status == .tooManyRequests)
        }
    }

    /// Ten logins a minute from one client, then one from `other`, each named in `header`: its status.
    static func loginsFromTwoClients(
        _ api: APIClient, one: String, other: String, header: HTTPField.Name = .xForwardedFor
    ) async throws -> [HTTPResponse.Status] {
        let body: JSONValue = ["email": .string(APIClient.email("a")), "password": "x"]
        func login(from client: String) async throws -> HTTPResponse.Status {
            try await api.request(.post, "/auth/login", json: body, headers: [header: client]).status
        }
        var statuses: [HTTPResponse.Status] = []
        for _ in 0..<11 { statuses.append(try await login(from: one)) }
        statuses.append(try await login(from: other))
        return statuses
    }

    @Test func behindATrustedProxyEachForwardedClientHasItsOwnLimit() async throws {
        let environment = try await TestEnvironment.make(rateLimits: true, trustedProxies: [IPNetwork("127.0.0.0/8")!])
        try await environment.testLive { api in
            let statuses = try await Self.loginsFromTwoClients(api, one: "203.0.113.5", other: "198.51.100.7, 127.0.0.2")
            #expect(statuses == Array(repeating: .unauthorized, count: 10) + [.tooManyRequests, .unauthorized])
        }
    }

    @Test func behindATrustedProxyThatSetsForwardedEachClientHasItsOwnLimit() async throws {
        let environment = try await TestEnvironment.make(
            rateLimits: true, trustedProxies: [IPNetwork("127.0.0.0/8")!], forwardingHeader: .forwarded)
        try await environment.testLive { api in
            let statuses = try await Self.loginsFromTwoClients(
                api, one: "for=203.0.113.5;proto=https", other: "for=\"[2001:db8::7]:4711\", for=127.0.0.2", header: .forwarded)
            #expect(statuses == Array(repeating: .unauthorized, count: 10) + [.tooManyRequests, .unauthorized])
            // The proxies set Forwarded: an X-Forwarded-For is the client's own writing, and is not
            // read, so both of these count as the proxy itself.
            let other = try await Self.loginsFromTwoClients(api, one: "198.51.100.1", other: "198.51.100.2")
            #expect(other == Array(repeating: .unauthorized, count: 10) + [.tooManyRequests, .tooManyRequests])
        }
    }

    @Test func aForwardedForFromAPeerThatIsNotTrustedIsIgnored() async throws {
        let environment = try await TestEnvironment.make(rateLimits: true, trustedProxies: [IPNetwork("10.0.0.0/8")!])
        try await environment.testLive { api in
            let statuses = try await Self.loginsFromTwoClients(api, one: "203.0.113.5", other: "198.51.100.7")
            #expect(statuses == Array(repeating: .unauthorized, count: 10) + [.tooManyRequests, .tooManyRequests])
        }
    }

    @Test func loginAndRefreshShareTenPerMinute() async throws {
        let environment = try await TestEnvironment.make(rateLimits: true)
        try await environment.test { api in
            for _ in 0..<5 { _ = try await api.post("/auth/login", json: ["email": .string(APIClient.email("a")), "password": "x"]) }
            for _ in 0..<5 { _ = try await api.post("/auth/refresh", json: ["refreshToken": "x"]) }
            let limited = try await api.post("/auth/login", json: ["email": .string(APIClient.email("a")), "password": "x"])
            #expect(limited.status == .tooManyRequests && limited.headers[HTTPField.Name("RateLimit-Policy")!] == "10;w=60")
            environment.clock.advance(by: 60)
            #expect(try await api.post("/auth/login", json: ["email": .string(APIClient.email("a")), "password": "x"]).status == .unauthorized)
        }
    }

    @Test func jobWritesAreThirtyPerMinutePerUser() async throws {
        let environment = try await TestEnvironment.make(rateLimits: true)
        try await environment.test { api in
            let key = try await api.anonymousKey()
            let id = try #require(try await api.createJob(key).data["id"]?.string)
            for index in 1..<30 {
                let result = try await api.request(.patch, "/jobs/\(id)", token: key, json: ["name": .string("n\(index)")])
                #expect(result.status == .ok)
            }
            let limited = try await api.request(.patch, "/jobs/\(id)", token: key, json: ["name": "late"])
            #expect(limited.status == .tooManyRequests && limited.headers[HTTPField.Name("RateLimit-Policy")!] == "30;w=60")
            // Reads are not job writes, and another user has their own budget.
            #expect(try await api.get("/jobs/\(id)", token: key).status == .ok)
            let other = try await api.anonymousKey(name: "other")
            #expect(try await api.createJob(other).status == .created)
        }
    }

    /// Changing the password and deleting the account check the password: one budget with
    /// logins, per client address.
    @Test func passwordChecksOfSignedInCallersAreLimitedLikeLogins() async throws {
        let environment = try await TestEnvironment.make(rateLimits: true)
        try await environment.test { api in
            let registered = try await api.post(
                "/auth/register", json: ["email": .string(APIClient.email("guessed")), "password": "the-password", "name": "n"])
            let key = try #require(registered.data["apiKey"]?.string)
            let userId = try #require(registered.data["user"]?["id"]?.string)
            for _ in 0..<5 {
                let change = try await api.post(
                    "/auth/change-password", token: key, json: ["currentPassword": "a-guess-at-it", "newPassword": "whatever-new"])
                #expect(change.status == .forbidden)
                let delete = try await api.request(.delete, "/auth/me", token: key, json: ["confirm": .string(userId), "password": "a-guess"])
                #expect(delete.status == .forbidden)
            }
            let limited = try await api.request(.delete, "/auth/me", token: key, json: ["confirm": .string(userId), "password": "the-password"])
            #expect(limited.status == .tooManyRequests && limited.headers[HTTPField.Name("RateLimit-Policy")!] == "10;w=60")
            #expect(try await api.post("/auth/login", json: ["email": .string(APIClient.email("guessed")), "password": "the-password"]).status == .tooManyRequests)
            #expect(try await api.get("/auth/me", token: key).status == .ok)
            environment.clock.advance(by: 60)
            #expect(try await api.request(.delete, "/auth/me", token: key, json: ["confirm": .string(userId), "password": "the-password"]).status == .ok)
        }
    }

    @Test func replayIsTenPerMinutePerUser() async throws {
        let environment = try await TestEnvironment.make(rateLimits: true)
        try await environment.test { api in
            let key = try await api.anonymousKey()
            for _ in 0..<10 {
                #expect(try await api.post("/executions/665a1b2c3d4e5f6a7b8c9d0e/replay", token: key).status == .notFound)
            }
            let limited = try await api.post("/executions/665a1b2c3d4e5f6a7b8c9d0e/replay", token: key)
            #expect(limited.status == .tooManyRequests && limited.headers[HTTPField.Name("RateLimit-Policy")!] == "10;w=60")
        }
    }

    @Test func limitsCanBeSwitchedOff() async throws {
        let environment = try await TestEnvironment.make(rateLimits: false)
        try await environment.test { api in
            for _ in 0..<120 { _ = try await api.get("/health") }
            let result = try await api.get("/health")
            #expect(result.status == .ok && result.headers[HTTPField.Name("RateLimit")!] == nil)
        }
    }
}
