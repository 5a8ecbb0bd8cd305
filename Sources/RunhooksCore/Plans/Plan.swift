/// The four plans of the reference and what each allows.
public enum Plan: String, Sendable, CaseIterable {
    case free, starter, production, growth

    public var limits: PlanLimits {
        switch self {
        case .free:
            PlanLimits(
                maxJobs: 3, maxDailyRuns: 200, maxMonthlyRuns: 2_000, maxRetries: 3, maxRequestTimeoutMs: 30_000,
                maxAlertConfigs: 1, retentionDays: 1, concurrency: 1)
        case .starter:
            PlanLimits(
                maxJobs: 10, maxDailyRuns: 2_000, maxMonthlyRuns: 20_000, maxRetries: 5, maxRequestTimeoutMs: 60_000,
                maxAlertConfigs: 3, retentionDays: 3, concurrency: 2)
        case .production:
            PlanLimits(
                maxJobs: 30, maxDailyRuns: 12_000, maxMonthlyRuns: 120_000, maxRetries: 7,
                maxRequestTimeoutMs: 120_000, maxAlertConfigs: 10, retentionDays: 14, concurrency: 5)
        case .growth:
            PlanLimits(
                maxJobs: 100, maxDailyRuns: 50_000, maxMonthlyRuns: 500_000, maxRetries: 10,
                maxRequestTimeoutMs: 300_000, maxAlertConfigs: 50, retentionDays: 30, concurrency: 15)
        }
    }
}

public struct PlanLimits: Sendable, Equatable, Codable {
    public var maxJobs: Int
    public var maxDailyRuns: Int
    public var maxMonthlyRuns: Int
    public var maxRetries: Int
    public var maxRequestTimeoutMs: Int
    public var maxAlertConfigs: Int
    public var retentionDays: Int
    public var concurrency: Int
}
