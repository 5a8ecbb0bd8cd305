import Foundation

extension AlertConfig {
    /// The configuration with a validated change applied at `date` (`updatedAt` moves forward).
    public func applying(_ spec: AlertSpec, at date: Date) -> AlertConfig {
        var updated = self
        updated.name = spec.name
        updated.channel = spec.channel
        updated.target = spec.target
        updated.jobId = spec.jobId
        updated.consecutiveFailuresThreshold = spec.consecutiveFailuresThreshold
        updated.cooldownMinutes = spec.cooldownMinutes
        updated.enabled = spec.enabled
        updated.updatedAt = max(date, updatedAt.addingTimeInterval(0.001))
        return updated
    }
}
