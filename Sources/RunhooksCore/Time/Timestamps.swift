import Foundation

extension Date {
    /// Whole milliseconds, rounded down; a value within a microsecond below a whole millisecond
    /// is that millisecond. `Date` counts seconds from 2001 in a `Double`, so a date made from
    /// whole milliseconds can come back a hair below them (about one in two hundred before
    /// 2023 or after 2030), and rounding that down would move it a millisecond earlier.
    public var millisecondsSince1970: Int64 {
        Int64((timeIntervalSince1970 * 1000 + 0.001).rounded(.down))
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
        // Every fire's Runhooks-Scheduled-At header and every date of an API answer come through
        // here: the text is written in place, one allocation instead of one per field. Years
        // take four digits, or more past 9999.
        var yearDigits = 4
        var yearLimit = 10_000
        while abs(date.year) >= yearLimit, yearDigits < 18 {
            yearDigits += 1
            yearLimit *= 10
        }
        let yearWidth = yearDigits + (date.year < 0 ? 1 : 0)
        return String(unsafeUninitializedCapacity: yearWidth + 20) { bytes in
            var offset = 0
            func put(_ separator: Unicode.Scalar?, _ value: Int, width: Int) {
                if let separator {
                    bytes[offset] = UInt8(ascii: separator)
                    offset += 1
                }
                var rest = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                offset += width
            }
            put(date.year < 0 ? "-" : nil, abs(date.year), width: yearDigits)
            put("-", date.month, width: 2)
            put("-", date.day, width: 2)
            put("T", hour, width: 2)
            put(":", minute, width: 2)
            put(":", second, width: 2)
            put(".", milli, width: 3)
            bytes[offset] = UInt8(ascii: "Z")
            return offset + 1
        }
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
