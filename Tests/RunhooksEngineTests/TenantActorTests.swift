import Foundation
import RunhooksCore
import RunhooksStore
import RunhooksTestSupport
import Testing

@testable import RunhooksEngine

@Suite struct TenantActorTests {
    func makeContext() throws -> (EngineContext, ManualWallClock) {
        let directory = TestScratch.path("runhooks-engine")
        let store = try SQLiteStore(path: directory.appendingPathComponent("runhooks.sqlite").path)
        let clock = ManualWallClock()
        return (
            EngineContext(
                store: store, ids: ObjectIDGenerator(), clock: clock, shards: ShardMap(shardCount: 8),
                secretBox: SecretBox(keyMaterial: "tenant tests")), clock)
    }

    func makeUser(_ context: EngineContext) async throws -> User {
        let now = context.clock.now()
        let user = User(
            id: context.ids.next(), email: nil, name: "t", role: .user, plan: .free, isAnonymous: true,
            apiKeyPrefix: "rh_live_abcd", createdAt: now, updatedAt: now)
        try await context.store.insertUser(user, passwordHash: nil, apiKeyHash: UUID().uuidString)
        return user
    }

    let spec = JobSpec(
        name: "j", schedule: Schedule(kind: .interval, expression: "60000"), httpConfig: HTTPConfig(url: "https://x.example"))

    @Test func concurrentCreatesNeverExceedThePlan() async throws {
        let (context, _) = try makeContext()
        let user = try await makeUser(context)
        let directory = TenantDirectory(context: context)
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    do {
                        _ = try await directory.tenant(user.id).createJob(spec, plan: .free)
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 3)
        #expect(try await context.store.countJobs(userId: user.id) == 3)
    }

    @Test func jobLimitMessageNamesTheLimitAndPlan() async throws {
        let (context, _) = try makeContext()
        let user = try await makeUser(context)
        let tenant = TenantDirectory(context: context).tenant(user.id)
        for _ in 0..<3 { _ = try await tenant.createJob(spec, plan: .free) }
        await #expect {
            _ = try await tenant.createJob(spec, plan: .free)
        } throws: { error in
            "\(error)".contains("maxJobs") && "\(error)".contains("free plan")
        }
        _ = try await tenant.createJob(spec, plan: .starter)
    }

    @Test func resumingReanchorsTheInterval() async throws {
        let (context, clock) = try makeContext()
        let user = try await makeUser(context)
        let tenant = TenantDirectory(context: context).tenant(user.id)
        let job = try await tenant.createJob(spec, plan: .free)
        var paused = spec
        paused.status = .paused
        let pauseChange = paused
        let pausedOrNil = try await tenant.updateJob(id: job.id, plan: .free) { _ in pauseChange }
        let pausedJob = try #require(pausedOrNil)
        #expect(pausedJob.nextExecution(after: clock.now()) == nil)
        clock.advance(by: 90)
        let resumedOrNil = try await tenant.updateJob(id: pausedJob.id, plan: .free) { _ in spec }
        let resumed = try #require(resumedOrNil)
        #expect(resumed.anchorAt == clock.now())
        #expect(resumed.nextExecution(after: clock.now()) == clock.now() + 60)
    }

    @Test func alertLimitFollowsThePlan() async throws {
        let (context, _) = try makeContext()
        let user = try await makeUser(context)
        let tenant = TenantDirectory(context: context).tenant(user.id)
        let alert = AlertSpec(name: "a", channel: .webhook, target: "https://x.example")
        _ = try await tenant.createAlert(alert, plan: .free)
        await #expect(throws: PlanLimitError.self) { try await tenant.createAlert(alert, plan: .free) }
        let usage = try await tenant.usage(plan: .free)
        #expect(usage.alertConfigs == 1 && usage.jobs == 0)
    }

    /// A busy tenant's attempts that find the plan expired share one read (they used to read
    /// once each, which slowed a saturated node down): every one of them gets the new plan.
    @Test func attemptsThatFindThePlanExpiredAllGetTheStoredPlan() async throws {
        let (context, clock) = try makeContext()
        let user = try await makeUser(context)
        let tenant = TenantDirectory(context: context).tenant(user.id)
        #expect(try await tenant.currentPlan() == .free)
        _ = try await context.store.setPlan(.starter, forUser: user.id, at: clock.now())
        #expect(try await tenant.currentPlan() == .free, "the plan is cached")
        clock.advance(by: TenantActor.planRefreshInterval + 1)
        let plans = try await withThrowingTaskGroup(of: Plan?.self) { group in
            for _ in 0..<50 { group.addTask { try await tenant.currentPlan() } }
            return try await group.reduce(into: [Plan?]()) { $0.append($1) }
        }
        #expect(plans.count == 50 && plans.allSatisfy { $0 == .starter })
        #expect(try await tenant.currentPlan() == .starter)
    }

    @Test func concurrentSigningsOfAnAccountAllGetItsOneSecret() async throws {
        let (context, clock) = try makeContext()
        let user = try await makeUser(context)
        // No secret yet: the first reads make it, and every caller signs with that one.
        let first = try await withThrowingTaskGroup(of: [WebhookSecret].self) { group in
            for _ in 0..<50 { group.addTask { try await context.webhookSecrets.signingSecrets(userId: user.id) } }
            return try await group.reduce(into: [[WebhookSecret]]()) { $0.append($1) }
        }
        let made = try #require(try await context.webhookSecrets.revealed(userId: user.id)?.current)
        #expect(first.count == 50 && first.allSatisfy { $0 == [made] })
        clock.advance(by: WebhookSecrets.cacheLifetime + 1)
        let again = try await withThrowingTaskGroup(of: [WebhookSecret].self) { group in
            for _ in 0..<50 { group.addTask { try await context.webhookSecrets.signingSecrets(userId: user.id) } }
            return try await group.reduce(into: [[WebhookSecret]]()) { $0.append($1) }
        }
        #expect(again.allSatisfy { $0 == [made] })
    }

    @Test func eachUserHasOneActorOnItsShard() async throws {
        let (context, _) = try makeContext()
        let directory = TenantDirectory(context: context)
        let first = directory.tenant("665a0a1b2c3d4e5f6a7b8c9d")
        let again = directory.tenant("665a0a1b2c3d4e5f6a7b8c9d")
        #expect(first === again)
        #expect(first.shard == context.shards.shard(forUser: "665a0a1b2c3d4e5f6a7b8c9d"))
    }
}
