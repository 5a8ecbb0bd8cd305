import Foundation
import RunhooksCore

/// What one HTTP attempt came to.
public struct DeliveryOutcome: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case response(status: Int)
        case timeout
        case networkError
        /// The target resolved to an address the SSRF guard refuses.
        case refused
    }

    public var kind: Kind
    public var responseBody: String?
    public var durationMs: Int
    public var error: String?
    /// Seconds from a `Retry-After` header, if the response had one.
    public var retryAfterSeconds: Int?
    /// Where the attempt's time went, phase by phase.
    public var timing: ExecutionTiming?
    /// How long after it was due the request was written (known once it was).
    public var sentLateMs: Double?

    public init(
        kind: Kind, responseBody: String? = nil, durationMs: Int, error: String? = nil, retryAfterSeconds: Int? = nil,
        timing: ExecutionTiming? = nil
    ) {
        self.timing = timing
        self.kind = kind
        self.responseBody = responseBody
        self.durationMs = durationMs
        self.error = error
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var statusCode: Int? {
        if case .response(let status) = kind { return status }
        return nil
    }

    public var isSuccess: Bool { (200..<300).contains(statusCode ?? 0) }

    /// Network errors, timeouts, 408, 429 and 5xx are worth another attempt; other answers are final.
    public var isRetryable: Bool {
        switch kind {
        case .timeout, .networkError: return true
        case .refused: return false
        case .response(let status): return status == 408 || status == 429 || (500...599).contains(status)
        }
    }
}
