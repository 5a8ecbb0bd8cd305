import Foundation

extension Job {
    /// The slots from `first` (a slot of this job, at or before `now`) up to `now`: the latest of
    /// them and how many there are, `first` and the latest included. The catch-up policy fires
    /// the latest once and records the others as missed. Counted one by one up to `countLimit`
    /// for a cron schedule (an interval's are computed); past it the latest found is taken.
    public func passedSlots(from first: Date, upTo now: Date, countLimit: Int = 100_000) -> (latest: Date, count: Int) {
        if let every = schedule.intervalMs, every > 0 {
            let periods = max(0, (now.millisecondsSince1970 - first.millisecondsSince1970) / every)
            return (Date(milliseconds: first.millisecondsSince1970 + periods * every), Int(periods) + 1)
        }
        var latest = first
        var count = 1
        while count < countLimit, let next = nextExecution(after: latest), next <= now {
            latest = next
            count += 1
        }
        return (latest, count)
    }
}
