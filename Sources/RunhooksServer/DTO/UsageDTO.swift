import Foundation
import RunhooksCore
import RunhooksEngine

/// The shape of `GET /usage/me`.
struct UsageDTO: Encodable {
    struct Meter: Encodable {
        var used: Int
        var limit: Int
        var unlimited: Bool
        var resetsAt: String?
    }

    struct Meters: Encodable {
        var jobs: Meter
        var dailyRuns: Meter
        var monthlyRuns: Meter
        var alertConfigs: Meter
    }

    var plan: String
    var limits: PlanLimits
    var usage: Meters

    init(_ usage: TenantUsage) {
        let limits = usage.plan.limits
        plan = usage.plan.rawValue
        self.limits = limits
        self.usage = Meters(
            jobs: Meter(used: usage.jobs, limit: limits.maxJobs, unlimited: false),
            dailyRuns: Meter(
                used: usage.runs.daily, limit: limits.maxDailyRuns, unlimited: false,
                resetsAt: usage.at.nextUTCMidnight.iso8601Milliseconds),
            monthlyRuns: Meter(
                used: usage.runs.monthly, limit: limits.maxMonthlyRuns, unlimited: false,
                resetsAt: usage.at.firstOfNextUTCMonth.iso8601Milliseconds),
            alertConfigs: Meter(used: usage.alertConfigs, limit: limits.maxAlertConfigs, unlimited: false))
    }
}
