/// How failed attempts are retried: delay n = min(initialDelay × multiplier^(n−1), maxDelay).
public struct RetryPolicy: Sendable, Equatable {
    public var maxRetries: Int
    public var initialDelay: Int
    public var backoffMultiplier: Double
    public var maxDelay: Int

    public static let `default` = RetryPolicy(maxRetries: 3, initialDelay: 1000, backoffMultiplier: 2, maxDelay: 300_000)

    public init(maxRetries: Int, initialDelay: Int, backoffMultiplier: Double, maxDelay: Int) {
        self.maxRetries = maxRetries
        self.initialDelay = initialDelay
        self.backoffMultiplier = backoffMultiplier
        self.maxDelay = maxDelay
    }

    /// The delay in ms before retry number `retry` (1-based).
    public func delay(beforeRetry retry: Int) -> Int {
        let raw = Double(initialDelay) * pow(backoffMultiplier, Double(max(0, retry - 1)))
        return raw >= Double(maxDelay) ? maxDelay : Int(raw)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
