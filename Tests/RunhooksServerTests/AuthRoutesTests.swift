import Foundation
import Logging
import RunhooksCore
import Testing

@testable import RunhooksServer

@Suite struct AuthRoutesTests {
    let email = APIClient.email("me")

    @Test func registerReturnsUserTokensAndKeyOnce() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let result = try await api.post(
                "/auth/register", json: ["email": .string(email), "password": "securepass", "name": "My Name"])
            #expect(result.status == .created)
            #expect(result.json["success"]?.bool == true)
            #expect(result.message == "Registration successful. Save the API key -- it cannot be retrieved again.")
            let user = try #require(result.data["user"]?.object)
            #expect(Set(user.keys) == ["id", "email", "name", "plan", "role"])
            #expect(user["email"]?.string == email && user["plan"]?.string == "free" && user["role"]?.string == "user")
            #expect(ObjectIDGenerator.isValid(user["id"]?.string ?? ""))
            let key = try #require(result.data["apiKey"]?.string)
            #expect(key.hasPrefix("rh_live_") && key.count >= 40)
            #expect(result.data["tokens"]?["accessToken"]?.string?.hasPrefix("eyJ") == true)
            #expect(result.data["tokens"]?["refreshToken"]?.string?.hasPrefix("eyJ") == true)

            let me = try await api.get("/auth/me", token: key)
            #expect(me.status == .ok)
            #expect(me.data["apiKeyPrefix"]?.string == String(key.prefix(12)))
            #expect(me.data["isAnonymous"]?.bool == false)
            #expect(me.data["createdAt"]?.string?.hasSuffix("Z") == true)
            // The key itself is never shown again.
            #expect(!"\(me.json)".contains(key))

            let again = try await api.post(
                "/auth/register", json: ["email": .string(email.uppercased()), "password": "securepass", "name": "Other"])
            #expect(again.status == .conflict)
            #expect(again.json["success"]?.bool == false)
            #expect(again.error?.contains("already exists") == true)
        }
        // Secrets are stored only as hashes.
        let raw = try String(contentsOf: environment.directory.appendingPathComponent("runhooks.sqlite"), encoding: .isoLatin1)
        #expect(!raw.contains("securepass"))
    }

    @Test func registrationValidatesEachField() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let cases: [(JSONValue, String)] = [
                (["password": "securepass", "name": "n"], "email: is required"),
                (["email": "nope", "password": "securepass", "name": "n"], "email: must be a valid email address"),
                (["email": .string(email), "password": "short", "name": "n"], "password: must be at least 8 characters"),
                (["email": .string(email), "password": .string(String(repeating: "p", count: 129)), "name": "n"],
                 "password: must be at most 128 characters"),
                (["email": .string(email), "password": "securepass"], "name: is required"),
                (["email": .string(email), "password": "securepass", "name": ""], "name: must not be empty"),
                (["email": .string(email), "password": 12345678, "name": "n"], "password: must be a string, got number"),
            ]
            for (body, message) in cases {
                let result = try await api.post("/auth/register", json: body)
                #expect(result.status == .badRequest)
                #expect(result.error == message, "\(body)")
            }
        }
    }

    @Test func anonymousAccountGetsOnlyAKey() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let result = try await api.post("/auth/register-anonymous", json: ["name": "My Server"])
            #expect(result.status == .created)
            #expect(result.message == "Anonymous account created. Save the API key -- it cannot be retrieved again.")
            #expect(result.data["tokens"] == nil)
            #expect(result.data["user"]?["isAnonymous"]?.bool == true)
            #expect(result.data["user"]?["name"]?.string == "My Server")
            let empty = try await api.request(.post, "/auth/register-anonymous", contentType: nil)
            #expect(empty.status == .created)
            #expect(empty.data["user"]?["name"]?.string == "Anonymous")
            let bad = try await api.post("/auth/register-anonymous", json: ["name": ""])
            #expect(bad.status == .badRequest && bad.error == "name: must not be empty")
        }
    }

    @Test func loginRefreshRotationAndReuse() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            _ = try await api.post("/auth/register", json: ["email": .string(email), "password": "securepass", "name": "n"])
            let wrong = try await api.post("/auth/login", json: ["email": .string(email), "password": "wrongpass"])
            #expect(wrong.status == .unauthorized && wrong.error == "Invalid email or password")
            let unknown = try await api.post("/auth/login", json: ["email": .string(APIClient.email("x")), "password": "securepass"])
            #expect(unknown.status == .unauthorized && unknown.error == "Invalid email or password")

            // bcrypt alone would read only the first 72 bytes of these.
            let long = String(repeating: "p", count: 72)
            let longEmail = APIClient.email("long")
            let registered = try await api.post(
                "/auth/register", json: ["email": .string(longEmail), "password": .string(long + "-mine"), "name": "n"])
            #expect(registered.status == .created)
            let sameStart = try await api.post("/auth/login", json: ["email": .string(longEmail), "password": .string(long + "-guess")])
            #expect(sameStart.status == .unauthorized)
            #expect(try await api.post("/auth/login", json: ["email": .string(longEmail), "password": .string(long + "-mine")]).status == .ok)

            let login = try await api.post("/auth/login", json: ["email": .string(email), "password": "securepass"])
            #expect(login.status == .ok)
            #expect(login.data["user"]?["email"]?.string == email)
            let access = try #require(login.data["tokens"]?["accessToken"]?.string)
            let refresh = try #require(login.data["tokens"]?["refreshToken"]?.string)
            #expect(try await api.get("/auth/me", token: access).status == .ok)

            let rotated = try await api.post("/auth/refresh", json: ["refreshToken": .string(refresh)])
            #expect(rotated.status == .ok)
            let newRefresh = try #require(rotated.data["refreshToken"]?.string)
            #expect(rotated.data["accessToken"]?.string != nil)
            #expect(newRefresh != refresh)

            // Within moments of its use (an answer lost on the way, two requests refreshing at
            // once) the old token gets a pair of its own.
            environment.clock.advance(by: 29)
            let again = try await api.post("/auth/refresh", json: ["refreshToken": .string(refresh)])
            #expect(again.status == .ok)
            let sibling = try #require(again.data["refreshToken"]?.string)
            #expect(sibling != newRefresh && sibling != refresh)

            // Later, presenting it again is refused and revokes the family: every token of it.
            environment.clock.advance(by: 2)
            let reused = try await api.post("/auth/refresh", json: ["refreshToken": .string(refresh)])
            #expect(reused.status == .unauthorized)
            #expect(reused.error == "Refresh token has already been used; sign in again")
            for token in [newRefresh, sibling] {
                #expect(try await api.post("/auth/refresh", json: ["refreshToken": .string(token)]).status == .unauthorized)
            }

            let garbage = try await api.post("/auth/refresh", json: ["refreshToken": "eyJ.garbage.token"])
            #expect(garbage.status == .unauthorized)
            // An access token is not a refresh token.
            #expect(try await api.post("/auth/refresh", json: ["refreshToken": .string(access)]).status == .unauthorized)
        }
    }

    /// Two rotations authenticated with the same key: only the last key written would work, so
    /// only one may answer with a key; the other is told (409) rather than handed a dead one.
    @Test func twoRotationsAtOnceHandOutOneKey() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let old = try await api.anonymousKey()
            let auth = environment.services.auth
            let user = try #require(try await auth.authenticate(bearer: old))
            let first = try #require(try await auth.rotateKey(for: user))
            #expect(try await auth.rotateKey(for: user) == nil)
            #expect(try await api.get("/auth/me", token: first).status == .ok)
            #expect(try await api.get("/auth/me", token: old).status == .unauthorized)
        }
    }

    @Test func secretsAreStoredAsTheirSHA256InHex() {
        #expect(SecretDigest.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SecretDigest.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func theBearerSchemeIgnoresCaseAndTheSpacesAroundTheKey() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let key = try await api.anonymousKey()
            for header in ["Bearer \(key)", "bearer \(key)", "BEARER \(key)", "Bearer \t \(key) \t"] {
                let result = try await api.request(.get, "/auth/me", headers: [.authorization: header])
                #expect(result.status == .ok, "\(header.debugDescription)")
            }
            for (header, error) in [
                ("Bearer", "Authorization header must be 'Bearer <API key or token>'"),
                ("Basic \(key)", "Authorization header must be 'Bearer <API key or token>'"),
                ("Bearer \(key)x", "Invalid or expired API key or token"),
                ("Bearer \(key.dropLast())", "Invalid or expired API key or token"),
                ("Bearer  \t ", "Authorization header must be 'Bearer <API key or token>'"),
                ("", "Authorization header must be 'Bearer <API key or token>'"),
                ("   ", "Authorization header must be 'Bearer <API key or token>'"),
            ] {
                let result = try await api.request(.get, "/auth/me", headers: [.authorization: header])
                #expect(result.status == .unauthorized, "\(header.debugDescription)")
                #expect(result.error == error, "\(header.debugDescription)")
            }
        }
    }

    @Test func tokensExpireOnTheClock() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            _ = try await api.post("/auth/register", json: ["email": .string(email), "password": "securepass", "name": "n"])
            let login = try await api.post("/auth/login", json: ["email": .string(email), "password": "securepass"])
            let access = try #require(login.data["tokens"]?["accessToken"]?.string)
            let refresh = try #require(login.data["tokens"]?["refreshToken"]?.string)
            environment.clock.advance(by: 14 * 60)
            #expect(try await api.get("/auth/me", token: access).status == .ok)
            environment.clock.advance(by: 2 * 60)
            let expired = try await api.get("/auth/me", token: access)
            #expect(expired.status == .unauthorized)
            #expect(expired.error == "Invalid or expired API key or token")
            // The refresh token still works after 29 days, not after 31.
            environment.clock.advance(by: 29 * 86_400)
            let rotated = try await api.post("/auth/refresh", json: ["refreshToken": .string(refresh)])
            #expect(rotated.status == .ok)
            let next = try #require(rotated.data["refreshToken"]?.string)
            environment.clock.advance(by: 31 * 86_400)
            #expect(try await api.post("/auth/refresh", json: ["refreshToken": .string(next)]).status == .unauthorized)
        }
    }

    @Test func rotateKeyInvalidatesTheOldKeyAtOnce() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let old = try await api.anonymousKey()
            let rotated = try await api.post("/auth/rotate-key", token: old)
            #expect(rotated.status == .ok)
            #expect(rotated.message == "API key rotated. Save the new key -- it cannot be retrieved again.")
            let new = try #require(rotated.data["apiKey"]?.string)
            #expect(rotated.data["apiKeyPrefix"]?.string == String(new.prefix(12)))
            #expect(try await api.get("/auth/me", token: old).status == .unauthorized)
            let me = try await api.get("/auth/me", token: new)
            #expect(me.status == .ok && me.data["apiKeyPrefix"]?.string == String(new.prefix(12)))
        }
    }

    @Test func protectedRoutesNeedCredentials() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            for path in ["/auth/me", "/jobs", "/executions", "/alerts", "/usage/me"] {
                let missing = try await api.get(path)
                #expect(missing.status == .unauthorized, "\(path)")
                #expect(missing.json["success"]?.bool == false)
                #expect(try await api.get(path, token: "rh_live_notarealkey000000000000000000000000").status == .unauthorized)
                #expect(try await api.get(path, token: "not-a-jwt").status == .unauthorized)
            }
            let basic = try await api.request(.get, "/auth/me", headers: [.authorization: "Basic dXNlcjpwYXNz"])
            #expect(basic.status == .unauthorized)
        }
    }

    /// Another node rotated the key in the shared store: this node stops taking the old key as
    /// soon as it reads the credentials generation.
    @Test func aKeyRotatedByAnotherNodeStopsWorkingHereOnTheNextGenerationCheck() async throws {
        let environment = try await TestEnvironment.make()
        let refresh = AccountCacheRefresh(
            cache: environment.services.auth.accounts, store: environment.store, logger: Logger(label: "test"))
        await refresh.refreshOnce()
        try await environment.test { api in
            let old = try await api.anonymousKey()
            let me = try await api.get("/auth/me", token: old)
            #expect(me.status == .ok)
            let userId = try #require(me.data["id"]?.string)
            let new = "rh_live_" + String(repeating: "b", count: 40)
            #expect(
                try await environment.store.replaceAPIKey(
                    userId: userId, replacing: APIKey.displayPrefix(of: old), hash: SecretDigest.sha256Hex(new),
                    prefix: APIKey.displayPrefix(of: new), at: Date()))
            await refresh.refreshOnce()
            #expect(try await api.get("/auth/me", token: old).status == .unauthorized)
            #expect(try await api.get("/auth/me", token: new).status == .ok)
        }
    }

    /// `runhooks admin set-plan` writes to the store from another process: the node notices
    /// when it next reads the credentials generation (every second while it serves).
    @Test func planChangesByAdminApplyOnceTheNodeSeesThem() async throws {
        let environment = try await TestEnvironment.make()
        let refresh = AccountCacheRefresh(
            cache: environment.services.auth.accounts, store: environment.store, logger: Logger(label: "test"))
        try await environment.test { api in
            _ = try await api.post("/auth/register", json: ["email": .string(email), "password": "securepass", "name": "n"])
            let login = try await api.post("/auth/login", json: ["email": .string(email), "password": "securepass"])
            let access = try #require(login.data["tokens"]?["accessToken"]?.string)
            #expect(try await api.get("/usage/me", token: access).data["plan"]?.string == "free")
            _ = try await environment.store.setPlan(.growth, forUser: email, at: Date())
            _ = try await environment.store.setRole(.admin, forUser: email, at: Date())
            await refresh.refreshOnce()
            let usage = try await api.get("/usage/me", token: access)
            #expect(usage.data["plan"]?.string == "growth")
            #expect(usage.data["limits"]?["maxJobs"]?.int == 100)
            #expect(try await api.get("/auth/me", token: access).data["role"]?.string == "admin")
        }
    }
}
