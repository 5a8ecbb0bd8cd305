import Foundation

extension Job {
    /// The job with a validated change applied at `date`. A new schedule, or resuming a job
    /// that was not active, re-anchors its interval. `updatedAt` always moves forward, so a
    /// compare-and-set on it tells two writes apart even within one millisecond.
    public func applying(_ spec: JobSpec, at date: Date) -> Job {
        var updated = self
        updated.name = spec.name
        updated.description = spec.description
        updated.httpConfig = spec.httpConfig
        updated.retryPolicy = spec.retryPolicy
        updated.tags = spec.tags
        if spec.schedule != schedule || (spec.status == .active && status != .active) {
            updated.anchorAt = date
        }
        updated.schedule = spec.schedule
        updated.status = spec.status
        updated.updatedAt = max(date, updatedAt.addingTimeInterval(0.001))
        return updated
    }
}
