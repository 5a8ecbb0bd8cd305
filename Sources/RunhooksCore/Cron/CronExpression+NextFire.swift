import Foundation

extension CronExpression {
    /// The first fire time strictly after `date`, evaluated in `timeZone`.
    ///
    /// Daylight-saving changes follow Debian's cron: fixed-time jobs whose time falls in a
    /// skipped interval fire once at its end and fire only once in a repeated hour; jobs that
    /// run every minute or every hour follow real time. Returns nil when the expression never
    /// matches within the next eight years (`0 0 30 2 *`).
    public func nextFire(after date: Date, in timeZone: TimeZone) -> Date? {
        let after = Int(floor(date.timeIntervalSince1970))
        let seconds = isFixedTime ? nextFixedTime(after: after, zone: timeZone) : nextRealTime(after: after, zone: timeZone)
        return seconds.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    static let searchHorizon = 8 * 366 * 86_400

    private func nextRealTime(after: Int, zone: TimeZone) -> Int? {
        var cursor = (after / 60 + 1) * 60
        let horizon = after + Self.searchHorizon
        while cursor < horizon {
            let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(cursor)))
            let segmentEnd = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: TimeInterval(cursor)))
                .map { Int($0.timeIntervalSince1970.rounded()) } ?? horizon
            let limit = min(segmentEnd, horizon) + offset
            if let naive = nextNaiveMatch(atOrAfter: cursor + offset, before: limit) {
                return naive - offset
            }
            cursor = max(segmentEnd, cursor + 60)
        }
        return nil
    }

    private func nextFixedTime(after: Int, zone: TimeZone) -> Int? {
        let localNow = after + zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(after)))
        var naive = (Self.floorDiv(localNow, 60) + 1) * 60
        let horizon = naive + Self.searchHorizon
        while let match = nextNaiveMatch(atOrAfter: naive, before: horizon) {
            let instants = Self.instants(forNaive: match, in: zone)
            if let first = instants.first {
                if first > after { return first }
            } else if let gapEnd = Self.gapEnd(forNaive: match, in: zone), gapEnd > after {
                return gapEnd
            }
            naive = match + 60
        }
        return nil
    }

    /// The real instants whose wall-clock time in `zone` is `naive` (seconds, as if UTC):
    /// none in a skipped interval, two in a repeated one.
    static func instants(forNaive naive: Int, in zone: TimeZone) -> [Int] {
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive - 86_400)))
        let after = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive + 86_400)))
        var result: [Int] = []
        for offset in Set([before, after]) {
            let instant = naive - offset
            if zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))) == offset {
                result.append(instant)
            }
        }
        return result.sorted()
    }

    /// The instant a skipped interval ends, for a wall-clock time inside it.
    static func gapEnd(forNaive naive: Int, in zone: TimeZone) -> Int? {
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive - 86_400)))
        let probe = Date(timeIntervalSince1970: TimeInterval(naive - before - 86_400))
        guard let transition = zone.nextDaylightSavingTimeTransition(after: probe) else { return nil }
        return Int(transition.timeIntervalSince1970.rounded())
    }

    /// The first wall-clock minute ≥ `start` and < `end` that the fields match, jumping
    /// field by field rather than minute by minute.
    func nextNaiveMatch(atOrAfter start: Int, before end: Int) -> Int? {
        var days = Self.floorDiv(start, 86_400)
        var minuteOfDay = Self.floorDiv(start - days * 86_400 + 59, 60)
        if minuteOfDay >= 1440 {
            days += 1
            minuteOfDay = 0
        }
        while days * 86_400 < end {
            let date = CivilDate(daysSinceEpoch: days)
            if !months.contains(date.month) {
                guard let nextMonthStart = nextMonthStart(from: date) else { return nil }
                days = nextMonthStart
                minuteOfDay = 0
                continue
            }
            if matchesDay(date), let minute = firstMinute(atOrAfter: minuteOfDay) {
                let candidate = days * 86_400 + minute * 60
                return candidate < end ? candidate : nil
            }
            days += 1
            minuteOfDay = 0
        }
        return nil
    }

    private func nextMonthStart(from date: CivilDate) -> Int? {
        var year = date.year
        var month = date.month + 1
        for _ in 0..<(12 * 9) {
            if month > 12 {
                month = 1
                year += 1
            }
            if months.contains(month) {
                return CivilDate(year: year, month: month, day: 1).daysSinceEpoch
            }
            month += 1
        }
        return nil
    }

    private func firstMinute(atOrAfter minuteOfDay: Int) -> Int? {
        var hour = minuteOfDay / 60
        var minute = minuteOfDay % 60
        while hour < 24 {
            if hours.contains(hour), let found = minutes.next(atOrAfter: minute), found < 60 {
                return hour * 60 + found
            }
            hour += 1
            minute = 0
        }
        return nil
    }

    static func floorDiv(_ value: Int, _ divisor: Int) -> Int {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }
}
