/// Fixed-window request counting per key, as express-rate-limit's memory store does.
/// A value type: the owner keeps it behind an actor or lock and passes the time in.
public struct FixedWindowLimiter: Sendable {
    public struct Policy: Sendable, Equatable {
        public var name: String
        public var limit: Int
        public var windowSeconds: Int

        public init(name: String, limit: Int, windowSeconds: Int) {
            self.name = name
            self.limit = limit
            self.windowSeconds = windowSeconds
        }

        public static let global = Policy(name: "global", limit: 100, windowSeconds: 15 * 60)
        public static let jobWrites = Policy(name: "job-writes", limit: 30, windowSeconds: 60)
        public static let replay = Policy(name: "replay", limit: 10, windowSeconds: 60)
        public static let registration = Policy(name: "registration", limit: 5, windowSeconds: 3600)
        public static let login = Policy(name: "login", limit: 10, windowSeconds: 60)
    }

    public struct Decision: Sendable, Equatable {
        public var policy: Policy
        public var allowed: Bool
        public var remaining: Int
        /// Seconds until the window resets (at least 1).
        public var resetSeconds: Int

        /// draft-7 `RateLimit-Policy` value.
        public var policyHeader: String { "\(policy.limit);w=\(policy.windowSeconds)" }
        /// draft-7 `RateLimit` value.
        public var rateLimitHeader: String { "limit=\(policy.limit), remaining=\(remaining), reset=\(resetSeconds)" }
    }

    private struct Window {
        var start: Int64
        var count: Int
    }

    public let policy: Policy
    private var windows: [String: Window] = [:]
    private var lastSweep: Int64 = 0

    public init(policy: Policy) {
        self.policy = policy
    }

    /// Counts one request for `key` at `nowMs` and says whether it may proceed.
    public mutating func hit(_ key: String, nowMs: Int64) -> Decision {
        let windowMs = Int64(policy.windowSeconds) * 1000
        sweep(nowMs: nowMs, windowMs: windowMs)
        var window = windows[key] ?? Window(start: nowMs, count: 0)
        if nowMs - window.start >= windowMs { window = Window(start: nowMs, count: 0) }
        window.count += 1
        windows[key] = window
        let resetMs = window.start + windowMs - nowMs
        return Decision(
            policy: policy, allowed: window.count <= policy.limit, remaining: max(0, policy.limit - window.count),
            resetSeconds: max(1, Int((resetMs + 999) / 1000)))
    }

    /// Drops expired windows now and then so memory follows the active keys only.
    private mutating func sweep(nowMs: Int64, windowMs: Int64) {
        guard nowMs - lastSweep >= windowMs else { return }
        lastSweep = nowMs
        windows = windows.filter { nowMs - $0.value.start < windowMs }
    }
}
