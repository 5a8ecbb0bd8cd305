import Foundation

extension Date {
    public var millisecondsSince1970: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded(.down))
    }

    public init(milliseconds: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }

    /// `2025-01-15T12:00:00.000Z`: ISO 8601 in UTC with milliseconds, as every API date.
    public var iso8601Milliseconds: String {
        let ms = millisecondsSince1970
        let days = Int(CronExpression.floorDiv(Int(ms), 86_400_000))
        let msOfDay = Int(ms) - days * 86_400_000
        let date = CivilDate(daysSinceEpoch: days)
        let hour = msOfDay / 3_600_000
        let minute = msOfDay / 60_000 % 60
        let second = msOfDay / 1000 % 60
        let milli = msOfDay % 1000
        return "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(milli, 3))Z"
    }

    /// The next UTC midnight after this instant.
    public var nextUTCMidnight: Date {
        let days = CronExpression.floorDiv(Int(millisecondsSince1970), 86_400_000) + 1
        return Date(milliseconds: Int64(days) * 86_400_000)
    }

    /// 00:00 UTC on the first day of the next month.
    public var firstOfNextUTCMonth: Date {
        let today = utcCivilDate
        let next = today.month == 12
            ? CivilDate(year: today.year + 1, month: 1, day: 1) : CivilDate(year: today.year, month: today.month + 1, day: 1)
        return Date(milliseconds: Int64(next.daysSinceEpoch) * 86_400_000)
    }

    public var utcCivilDate: CivilDate {
        CivilDate(daysSinceEpoch: CronExpression.floorDiv(Int(millisecondsSince1970), 86_400_000))
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

extension Duration {
    /// The duration in whole milliseconds (rounded down).
    public var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}

extension Duration {
    /// The duration in milliseconds with two decimals.
    public var fractionalMilliseconds: Double {
        let ms = Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
        return (ms * 100).rounded() / 100
    }
}
