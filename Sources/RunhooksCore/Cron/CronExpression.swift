/// A standard five-field cron expression (minute hour day-of-month month day-of-week).
public struct CronExpression: Sendable, Equatable {
    public let minutes: CronField
    public let hours: CronField
    public let daysOfMonth: CronField
    public let months: CronField
    public let daysOfWeek: CronField
    public let source: String

    static let aliases: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    public init(_ text: String) throws(CronParseError) {
        source = text
        let trimmed = text.trimmingSpaces
        let alias = trimmed.utf8.allSatisfy { $0 < 0x80 } ? Self.aliases[trimmed.lowercased()] : nil
        let expanded = alias ?? trimmed
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 5 else {
            throw CronParseError("expected 5 fields (minute hour day-of-month month day-of-week), got \(fields.count)")
        }
        minutes = try CronField.parse(String(fields[0]), kind: .minute)
        hours = try CronField.parse(String(fields[1]), kind: .hour)
        daysOfMonth = try CronField.parse(String(fields[2]), kind: .dayOfMonth)
        months = try CronField.parse(String(fields[3]), kind: .month)
        daysOfWeek = try CronField.parse(String(fields[4]), kind: .dayOfWeek)
    }

    /// Whether the expression fires at a fixed wall-clock time (neither minute nor hour is a
    /// wildcard). Debian's cron treats those specially around daylight-saving changes.
    public var isFixedTime: Bool { !minutes.startsWithStar && !hours.startsWithStar }

    /// Whether a calendar day matches, combining day-of-month and day-of-week as Vixie cron does.
    func matchesDay(_ day: CivilDate) -> Bool {
        guard months.contains(day.month) else { return false }
        let domMatch = daysOfMonth.contains(day.day)
        let dowMatch = daysOfWeek.contains(day.weekday)
        if daysOfMonth.startsWithStar || daysOfWeek.startsWithStar {
            return domMatch && dowMatch
        }
        return domMatch || dowMatch
    }
}

extension String {
    /// Without leading and trailing Unicode White_Space, judged scalar by scalar (a space
    /// followed by a combining mark is not trimmed as one character).
    var trimmingSpaces: String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(Substring(scalars))
    }
}
