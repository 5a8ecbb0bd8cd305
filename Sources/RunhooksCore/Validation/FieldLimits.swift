/// The lengths and ranges validation enforces: one definition, read by the validators and by
/// the OpenAPI document (lengths count Unicode scalars, as JSON Schema does).
public enum FieldLimits {
    public static let jobName = 1...255
    public static let jobDescription = 0...2000
    public static let scheduleExpression = 1...255
    public static let timeoutMs = 1000...300_000
    public static let maxRetries = 0...10
    public static let initialDelay = 100...60_000
    public static let backoffMultiplier: ClosedRange<Double> = 1...10
    public static let maxDelay = 1000...3_600_000
    public static let alertName = 1...100
    public static let alertTarget = 1...500
    public static let consecutiveFailuresThreshold = 1...100
    public static let cooldownMinutes = 0...10_080
    public static let accountName = 1...255
    public static let password = 8...128
    public static let email = 1...254
    public static let refreshToken = 1...4096
}
