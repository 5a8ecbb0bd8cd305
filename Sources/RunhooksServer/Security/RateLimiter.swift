import RunhooksCore

/// The node's rate-limit counters, one fixed-window limiter per policy.
public actor RateLimiter {
    private var limiters: [String: FixedWindowLimiter] = [:]
    private let clock: any WallClock

    public init(clock: any WallClock) {
        self.clock = clock
    }

    func hit(_ policy: FixedWindowLimiter.Policy, key: String) -> FixedWindowLimiter.Decision {
        var limiter = limiters[policy.name] ?? FixedWindowLimiter(policy: policy)
        let decision = limiter.hit(key, nowMs: clock.now().millisecondsSince1970)
        limiters[policy.name] = limiter
        return decision
    }
}
