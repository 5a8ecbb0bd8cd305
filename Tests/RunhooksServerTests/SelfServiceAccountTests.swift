import Foundation
import RunhooksCore
import RunhooksStore
import Testing

@testable import RunhooksServer

/// What an account does to itself through the API: change its password, delete itself.
@Suite struct SelfServiceAccountTests {
    let email = APIClient.email("self")

    @Test func changingThePasswordEndsTheOtherSessionsAndKeepsTheKey() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let registered = try await api.post("/auth/register", json: ["email": .string(email), "password": "first-password", "name": "n"])
            let key = try #require(registered.data["apiKey"]?.string)
            let other = try await api.post("/auth/login", json: ["email": .string(email), "password": "first-password"])
            let otherRefresh = try #require(other.data["tokens"]?["refreshToken"]?.string)
            let access = try #require(registered.data["tokens"]?["accessToken"]?.string)

            func change(_ body: JSONValue, token: String? = nil) async throws -> APIResult {
                try await api.post("/auth/change-password", token: token ?? access, json: body)
            }
            let wrong = try await change(["currentPassword": "not-the-password", "newPassword": "second-password"])
            #expect(wrong.status == .forbidden && wrong.error == "currentPassword: is not this account's password")
            let short = try await change(["currentPassword": "first-password", "newPassword": "short"])
            #expect(short.status == .badRequest && short.error?.hasPrefix("newPassword:") == true)
            let missing = try await change(["newPassword": "second-password"])
            #expect(missing.status == .badRequest && missing.error?.hasPrefix("currentPassword:") == true)
            #expect(try await change(["currentPassword": "first-password", "newPassword": "second-password", "x": 1]).status == .badRequest)
            #expect(try await api.post("/auth/login", json: ["email": .string(email), "password": "first-password"]).status == .ok)

            let changed = try await change(["currentPassword": "first-password", "newPassword": "second-password"])
            #expect(changed.status == .ok, "\(changed.json)")
            let newRefresh = try #require(changed.data["tokens"]?["refreshToken"]?.string)
            #expect(try await api.post("/auth/login", json: ["email": .string(email), "password": "first-password"]).status == .unauthorized)
            #expect(try await api.post("/auth/login", json: ["email": .string(email), "password": "second-password"]).status == .ok)
            // The other session ends; this one goes on with the tokens of the answer.
            #expect(try await api.post("/auth/refresh", json: ["refreshToken": .string(otherRefresh)]).status == .unauthorized)
            #expect(try await api.post("/auth/refresh", json: ["refreshToken": .string(newRefresh)]).status == .ok)
            #expect(try await api.get("/auth/me", token: key).status == .ok)

            let anonymous = try await api.anonymousKey()
            let refused = try await change(["currentPassword": "anything-at-all", "newPassword": "second-password"], token: anonymous)
            #expect(refused.status == .forbidden && refused.error?.contains("anonymous account signs in with its API key") == true)
        }
    }

    @Test func anAccountDeletesItselfAndNothingElse() async throws {
        let environment = try await TestEnvironment.make()
        try await environment.test { api in
            let registered = try await api.post("/auth/register", json: ["email": .string(email), "password": "the-password", "name": "n"])
            let key = try #require(registered.data["apiKey"]?.string)
            let userId = try #require(registered.data["user"]?["id"]?.string)
            #expect(try await api.createJob(key).status == .created)
            let bystander = try await api.anonymousKey(name: "bystander")
            let bystanderJob = try #require(try await api.createJob(bystander).data["id"]?.string)

            func delete(_ body: JSONValue, token: String? = nil) async throws -> APIResult {
                try await api.request(.delete, "/auth/me", token: token ?? key, json: body)
            }
            let unconfirmed = try await delete(["password": "the-password"])
            #expect(unconfirmed.status == .badRequest && unconfirmed.error?.hasPrefix("confirm:") == true)
            let otherId = try await delete(["confirm": "665a1b2c3d4e5f6a7b8c9d0e", "password": "the-password"])
            #expect(otherId.status == .forbidden && otherId.error == "confirm: must be this account's id (\(userId)), to confirm its deletion")
            let noPassword = try await delete(["confirm": .string(userId)])
            #expect(noPassword.status == .forbidden && noPassword.error == "password: is required to delete an account that has one")
            let wrong = try await delete(["confirm": .string(userId), "password": "not-the-password"])
            #expect(wrong.status == .forbidden && wrong.error == "password: is not this account's password")
            #expect(try await api.get("/jobs", token: key).data["total"]?.int == 1)

            let deleted = try await delete(["confirm": .string(userId), "password": "the-password"])
            #expect(deleted.status == .ok && deleted.message == "Account deleted with its jobs, executions and alerts")
            #expect(try await api.get("/auth/me", token: key).status == .unauthorized)
            #expect(try await api.post("/auth/login", json: ["email": .string(email), "password": "the-password"]).status == .unauthorized)
            #expect(try await environment.store.user(id: userId) == nil)
            #expect(try await api.get("/jobs/\(bystanderJob)", token: bystander).status == .ok)

            // An anonymous account confirms with its id alone: its key is its only credential.
            let bystanderId = try #require(try await api.get("/auth/me", token: bystander).data["id"]?.string)
            #expect(try await delete(["confirm": .string(bystanderId)], token: bystander).status == .ok)
            #expect(try await api.get("/auth/me", token: bystander).status == .unauthorized)
        }
    }
}
