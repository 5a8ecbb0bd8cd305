import Foundation
import Testing

@testable import RunhooksCore

@Suite struct SmallPiecesTests {
    @Test func objectIdsAreUniqueOrderedHex() {
        let ids = ObjectIDGenerator()
        let date = Date(timeIntervalSince1970: 1_736_942_400)
        let first = ids.next(at: date)
        let second = ids.next(at: date)
        #expect(ObjectIDGenerator.isValid(first))
        #expect(first != second)
        #expect(first.hasPrefix("6787a340"))
        #expect(!ObjectIDGenerator.isValid("665A1B2C3D4E5F6A7B8C9D0E"))
        #expect(!ObjectIDGenerator.isValid("665a1b2c3d4e5f6a7b8c9d0"))
    }

    @Test func bytesAreWrittenAsLowercaseHexTwoDigitsEach() {
        #expect([UInt8]().hexString == "")
        #expect([0x00, 0x09, 0x0a, 0x0f, 0x10, 0xa5, 0xff].hexString == "00090a0f10a5ff")
        #expect((0...255).map(UInt8.init).hexString.count == 512)
    }

    @Test func apiKeysHaveThePromisedShape() {
        let key = APIKey.generate()
        #expect(key.hasPrefix("rh_live_"))
        #expect(key.count == 8 + 40)
        #expect(key.dropFirst(8).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(APIKey.displayPrefix(of: key).count == 12)
        #expect(APIKey.generate() != key)
    }

    @Test func stableHashIsFNV1a() {
        #expect(StableHash.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        let shards = ShardMap(shardCount: 64)
        #expect(shards.shard(forUser: "665a0a1b2c3d4e5f6a7b8c9d") == shards.shard(forUser: "665a0a1b2c3d4e5f6a7b8c9d"))
        #expect((0..<64).contains(shards.shard(forUser: "x")))
    }

    @Test func timestampsAreUTCWithMilliseconds() {
        #expect(Date(milliseconds: 1_736_942_400_123).iso8601Milliseconds == "2025-01-15T12:00:00.123Z")
        #expect(Date(milliseconds: 0).iso8601Milliseconds == "1970-01-01T00:00:00.000Z")
        let now = Date(milliseconds: 1_736_942_400_123)
        #expect(now.nextUTCMidnight.iso8601Milliseconds == "2025-01-16T00:00:00.000Z")
        #expect(now.firstOfNextUTCMonth.iso8601Milliseconds == "2025-02-01T00:00:00.000Z")
        #expect(Date(milliseconds: 1_734_998_400_000).firstOfNextUTCMonth.iso8601Milliseconds == "2025-01-01T00:00:00.000Z")
    }

    @Test func timestampsMatchFoundationsISO8601() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generator = SystemRandomNumberGenerator()
        // Before 1970, the epoch, leap days, the ends of days and years, the last instant of year 9999.
        var instants: [Int64] = [-1, -86_400_001, 0, 951_782_400_000, 951_868_799_999, 946_684_799_999, 4_107_542_399_999, 253_402_300_799_999]
        for _ in 0..<2_000 { instants.append(Int64.random(in: -2_208_988_800_000...4_102_444_800_000, using: &generator)) }
        for ms in instants {
            let date = Date(milliseconds: ms)
            #expect(date.millisecondsSince1970 == ms)
            #expect(date.iso8601Milliseconds == formatter.string(from: date), "\(ms)")
        }
        #expect(Date(milliseconds: 253_402_300_800_000).iso8601Milliseconds == "10000-01-01T00:00:00.000Z")
        #expect(Date(milliseconds: -62_198_755_200_000).iso8601Milliseconds == "-0001-01-01T00:00:00.000Z")
        // A clock's reading is rounded down to its millisecond.
        #expect(Date(timeIntervalSince1970: 1_736_942_400.1239).millisecondsSince1970 == 1_736_942_400_123)
        #expect(Date(timeIntervalSince1970: 1_736_942_400.9995).iso8601Milliseconds == "2025-01-15T12:00:00.999Z")
    }

    @Test func civilDatesRoundTrip() {
        for days in stride(from: -800_000, to: 800_000, by: 997) {
            #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(CivilDate(year: 2025, month: 1, day: 15).weekday == 3)
    }

    @Test func intervalsCountFromTheAnchorWithoutDrift() {
        let anchor = Date(milliseconds: 1_000_000)
        let schedule = Schedule(kind: .interval, expression: "60000")
        #expect(schedule.nextFire(after: Date(milliseconds: 1_000_000), anchor: anchor) == Date(milliseconds: 1_060_000))
        #expect(schedule.nextFire(after: Date(milliseconds: 1_059_999), anchor: anchor) == Date(milliseconds: 1_060_000))
        #expect(schedule.nextFire(after: Date(milliseconds: 1_060_000), anchor: anchor) == Date(milliseconds: 1_120_000))
        #expect(schedule.nextFire(after: Date(milliseconds: 7_000_001), anchor: anchor) == Date(milliseconds: 7_060_000))
    }

    @Test func pausedJobsHaveNoNextExecution() {
        var job = Job(
            id: "a", userId: "u", name: "n", description: nil, schedule: Schedule(kind: .interval, expression: "1000"),
            httpConfig: HTTPConfig(url: "https://x.example"), retryPolicy: .default, status: .active, tags: [],
            createdAt: Date(), updatedAt: Date(), anchorAt: Date())
        #expect(job.nextExecution(after: Date()) != nil)
        job.status = .paused
        #expect(job.nextExecution(after: Date()) == nil)
    }

    @Test func retryDelaysBackOffUpToTheCap() {
        let policy = RetryPolicy(maxRetries: 5, initialDelay: 1000, backoffMultiplier: 2, maxDelay: 5000)
        #expect((1...5).map(policy.delay(beforeRetry:)) == [1000, 2000, 4000, 5000, 5000])
    }

    @Test func fixedWindowLimiterCountsAndResets() {
        var limiter = FixedWindowLimiter(policy: .init(name: "t", limit: 2, windowSeconds: 60))
        let first = limiter.hit("ip", nowMs: 0)
        #expect(first.allowed && first.remaining == 1 && first.resetSeconds == 60)
        #expect(first.policyHeader == "2;w=60")
        #expect(first.rateLimitHeader == "limit=2, remaining=1, reset=60")
        #expect(limiter.hit("ip", nowMs: 10_000).allowed)
        let third = limiter.hit("ip", nowMs: 20_000)
        #expect(!third.allowed && third.remaining == 0 && third.resetSeconds == 40)
        #expect(limiter.hit("other", nowMs: 20_000).allowed)
        #expect(limiter.hit("ip", nowMs: 60_000).allowed)
    }

    @Test func planTable() {
        #expect(Plan.free.limits == PlanLimits(
            maxJobs: 3, maxDailyRuns: 200, maxMonthlyRuns: 2000, maxRetries: 3, maxRequestTimeoutMs: 30_000,
            maxAlertConfigs: 1, retentionDays: 1, concurrency: 1))
        #expect(Plan.growth.limits.maxJobs == 100)
        #expect(Plan.production.limits.concurrency == 5)
        #expect(Plan.starter.limits.maxRequestTimeoutMs == 60_000)
    }

    @Test(arguments: ["(a+)+", "(a*)*b", "((ab)+)+", "(x+){2,}"])
    func catastrophicPatternsAreRefused(pattern: String) {
        #expect(throws: ValidationError.self) { try NamePattern.validate(pattern, field: "name") }
    }

    @Test(arguments: ["sync", "^Sync.*prod$", "(ab)+", "a+b+", "[a-z]+\\d?", "cache|sync"])
    func ordinaryPatternsAreAccepted(pattern: String) throws {
        try NamePattern.validate(pattern, field: "name")
    }

    @Test func invalidPatternIsRefused() {
        #expect(throws: ValidationError.self) { try NamePattern.validate("(unclosed", field: "name") }
    }
}
