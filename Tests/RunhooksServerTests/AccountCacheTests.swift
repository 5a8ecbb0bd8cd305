import Foundation
import RunhooksCore
import Testing

@testable import RunhooksServer

@Suite struct AccountCacheTests {
    let clock = ManualWallClock()

    func user(_ plan: Plan = .free) -> User {
        User(
            id: "u1", email: nil, name: "Tester", role: .user, plan: plan, isAnonymous: true, apiKeyPrefix: "rh_live_abcd",
            createdAt: clock.now(), updatedAt: clock.now())
    }

    @Test func keepsAnAccountForItsTimeToLiveOnly() {
        let cache = AccountCache(clock: clock, timeToLive: .seconds(5))
        cache.store(user(), forKey: "key a", lookup: cache.beginLookup())
        #expect(cache.user(forKey: "key a")?.id == "u1")
        clock.advance(by: 4.9)
        #expect(cache.user(forKey: "key a") != nil)
        clock.advance(by: 0.2)
        #expect(cache.user(forKey: "key a") == nil)
    }

    @Test func aLookupThatRacedAnInvalidationIsNotKept() {
        let cache = AccountCache(clock: clock)
        let lookup = cache.beginLookup()
        cache.removeAll()  // the key was rotated while the lookup read the old account
        cache.store(user(), forKey: "key a", lookup: lookup)
        #expect(cache.user(forKey: "key a") == nil)
    }

    @Test func aNewCredentialsGenerationForgetsEverything() {
        let cache = AccountCache(clock: clock)
        cache.observe(generation: 3)
        cache.store(user(), forKey: "key a", lookup: cache.beginLookup())
        cache.observe(generation: 3)
        #expect(cache.user(forKey: "key a") != nil)
        let lookup = cache.beginLookup()
        cache.observe(generation: 4)
        #expect(cache.user(forKey: "key a") == nil)
        cache.store(user(.growth), forKey: "key a", lookup: lookup)
        #expect(cache.user(forKey: "key a") == nil, "an answer read before the change is not kept")
    }

    @Test func staysWithinItsCapacity() {
        let cache = AccountCache(clock: clock, capacity: 3)
        for index in 0..<10 { cache.store(user(), forKey: "key \(index)", lookup: cache.beginLookup()) }
        #expect(cache.count <= 3)
        #expect(cache.user(forKey: "key 9") != nil)
    }
}
