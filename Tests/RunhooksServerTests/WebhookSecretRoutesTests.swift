import Foundation
import RunhooksCore
import RunhooksStore
import Testing

@testable import RunhooksServer

struct WebhookSecretRoutesTests {
    @Test func showsTheAccountsSecretAndRotatesIt() async throws {
        let env = try await TestEnvironment.make()
        try await env.test { api in
            let key = try await api.anonymousKey()
            let shown = try await api.get("/webhook-secret", token: key)
            #expect(shown.status == .ok)
            let secret = try #require(shown.data["secret"]?.string)
            #expect(secret.hasPrefix("whsec_") && WebhookSecret(secret) != nil)
            #expect(shown.data["createdAt"]?.string == env.clock.now().iso8601Milliseconds)
            #expect(shown.data["previous"] == .null)
            #expect(shown.data.object?.keys.sorted() == ["createdAt", "older", "previous", "secret"])
            #expect(shown.data["older"] == .array([]))
            #expect(try await api.get("/webhook-secret", token: key).data["secret"]?.string == secret)

            env.clock.advance(by: 10)
            let rotated = try await api.post("/webhook-secret/rotate", token: key)
            #expect(rotated.status == .ok)
            let fresh = try #require(rotated.data["secret"]?.string)
            #expect(fresh != secret && fresh.hasPrefix("whsec_"))
            #expect(rotated.data["createdAt"]?.string == env.clock.now().iso8601Milliseconds)
            #expect(rotated.data["previous"]?["secret"]?.string == secret)
            #expect(rotated.data["previous"]?["expiresAt"]?.string == (env.clock.now() + 24 * 3600).iso8601Milliseconds)
            #expect(try await api.get("/webhook-secret", token: key).data == rotated.data)

            // A second rotation within the day keeps the first secret signing until its own expiry.
            env.clock.advance(by: 3600)
            let again = try await api.post("/webhook-secret/rotate", token: key)
            #expect(again.data["previous"]?["secret"]?.string == fresh)
            #expect(again.data["older"]?.array?.count == 1)
            #expect(again.data["older"]?[0]?["secret"]?.string == secret)
            #expect(again.data["older"]?[0]?["expiresAt"]?.string == rotated.data["previous"]?["expiresAt"]?.string)

            // Once a replaced secret has expired it is no longer shown.
            env.clock.advance(by: 23 * 3600)
            let later = try await api.get("/webhook-secret", token: key)
            #expect(later.data["previous"]?["secret"]?.string == fresh && later.data["older"] == .array([]))
            env.clock.advance(by: 3600)
            #expect(try await api.get("/webhook-secret", token: key).data["previous"] == .null)
        }
    }

    @Test func needsAuthenticationAndStaysWithinTheAccount() async throws {
        let env = try await TestEnvironment.make()
        try await env.test { api in
            #expect(try await api.get("/webhook-secret").status == .unauthorized)
            #expect(try await api.post("/webhook-secret/rotate").status == .unauthorized)
            let first = try await api.get("/webhook-secret", token: try await api.anonymousKey()).data["secret"]
            let second = try await api.get("/webhook-secret", token: try await api.anonymousKey()).data["secret"]
            #expect(first != nil && first != second)
        }
    }

    @Test func secretsLieSealedInTheStoreAndOlderAccountsGetOne() async throws {
        let env = try await TestEnvironment.make()
        try await env.test { api in
            let key = try await api.anonymousKey()
            let me = try await api.get("/auth/me", token: key)
            let userId = try #require(me.data["id"]?.string)
            let secret = try #require(try await api.get("/webhook-secret", token: key).data["secret"]?.string)
            let stored = try #require(try await env.store.webhookSecrets(userId: userId))
            #expect(stored.current.hasPrefix("v1:") && !stored.current.contains(secret.dropFirst(6)))
        }
        // An account made before signing existed (no secret row) gets one at start-up.
        let now = env.clock.now()
        let old = User(
            id: "old-account", email: nil, name: "Old", role: .user, plan: .free, isAnonymous: true,
            apiKeyPrefix: "rh_live_old", createdAt: now, updatedAt: now)
        try await env.store.insertUser(old, passwordHash: nil, apiKeyHash: "old-hash")
        #expect(try await env.store.usersWithoutWebhookSecret(limit: 10) == ["old-account"])
        #expect(try await env.services.webhookSecrets.backfill(logger: .init(label: "test")) == 1)
        #expect(try await env.store.usersWithoutWebhookSecret(limit: 10).isEmpty)
        #expect(try await env.services.webhookSecrets.revealed(userId: "old-account") != nil)
    }

    @Test func aChangedSecretsKeyStopsTheStartWithAClearMessage() async throws {
        let env = try await TestEnvironment.make()
        let key = try await SecretsKey.resolve(configured: nil, store: env.store)
        #expect(try await SecretsKey.resolve(configured: nil, store: env.store) == key)
        #expect(try await SecretsKey.resolve(configured: key, store: env.store) == key)
        let error = await #expect(throws: ConfigurationError.self) {
            try await SecretsKey.resolve(configured: String(repeating: "k", count: 40), store: env.store)
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("RUNHOOKS_SECRETS_KEY"))
    }
}

struct SchedulePreviewRoutesTests {
    @Test func previewsTheNextRunsOfASchedule() async throws {
        let env = try await TestEnvironment.make()
        try await env.test { api in
            let key = try await api.anonymousKey()
            let preview = try await api.post(
                "/schedules/preview", token: key,
                json: ["schedule": ["type": "cron", "expression": "*/15 * * * *", "timezone": "Asia/Kolkata"]])
            #expect(preview.status == .ok)
            #expect(preview.data["timezone"] == "Asia/Kolkata")
            let runs = try #require(preview.data["nextRuns"]?.array)
            #expect(runs.count == 5)
            #expect(runs.allSatisfy { $0["local"]?.string?.hasSuffix("+05:30") == true && $0["at"]?.string?.hasSuffix("Z") == true })

            let bad = try await api.post(
                "/schedules/preview", token: key, json: ["schedule": ["type": "interval", "expression": "10"]])
            #expect(bad.status == .badRequest)
            #expect(bad.error?.hasPrefix("schedule.expression") == true)
            #expect(try await api.post("/schedules/preview", json: ["schedule": ["type": "interval", "expression": "60000"]]).status == .unauthorized)
        }
    }
}
