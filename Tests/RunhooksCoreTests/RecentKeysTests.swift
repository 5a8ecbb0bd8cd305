import Testing

@testable import RunhooksCore

@Suite struct RecentKeysTests {
    @Test func aKeySeenWithinTheWindowIsRefused() {
        var keys = RecentKeys(windowMs: 1000)
        let answers = [keys.insert("a", at: 0), keys.insert("a", at: 999), keys.insert("b", at: 999)]
        #expect(answers == [true, false, true])
    }

    @Test func keysOlderThanTheWindowAreForgotten() {
        var keys = RecentKeys(windowMs: 1000)
        let inserted = (0..<10_000).filter { ms in keys.insert("k\(ms)", at: Int64(ms)) }
        #expect(inserted.count == 10_000)
        #expect(keys.count == 1001)
        let again = [keys.insert("k0", at: 10_000), keys.insert("k9999", at: 10_000)]
        #expect(again == [true, false])
        _ = keys.insert("later", at: 100_000)
        #expect(keys.count == 1)
    }

    @Test func aRemovedKeyCanComeAgainAndIsThenKeptForItsOwnWindow() {
        var keys = RecentKeys(windowMs: 1000)
        let first = keys.insert("a", at: 0)
        keys.remove("a")
        let again = keys.insert("a", at: 10)
        // The first entry's window ends; the second's has not.
        let withinSecond = keys.insert("a", at: 1005)
        let afterSecond = keys.insert("a", at: 1011)
        #expect([first, again, withinSecond, afterSecond] == [true, true, false, true])
    }
}
