import Foundation

/// The next runs of a schedule as a user writing it wants to see them: each instant in UTC and
/// as the wall-clock time of the schedule's zone (with its offset, so DST shows).
public struct SchedulePreview: Sendable, Equatable {
    public struct Run: Sendable, Equatable {
        public var at: Date
        /// `2026-03-29T03:00:00+02:00` in the schedule's time zone (UTC for intervals without one).
        public var local: String
    }

    public static let maxCount = 20

    public var schedule: Schedule
    public var timezone: String
    public var runs: [Run]

    /// Reads `{"schedule": {type, expression, timezone}, "count": 1…20}` with the same rules
    /// as a job's schedule. An interval counts from `now`, as a job created now would.
    public init(validating json: JSONValue, rules: JobRules, now: Date) throws(ValidationError) {
        let body = try FieldReader(json)
        try body.rejectUnknown(allowed: ["schedule", "count"])
        guard let reader = try body.object("schedule") else { throw ValidationError(field: "schedule", "is required") }
        let schedule = try JobSpec.schedule(reader, rules: rules)
        let count = try body.integer("count", range: 1...Self.maxCount) ?? 5
        self.init(schedule: schedule, count: count, from: now)
    }

    public init(schedule: Schedule, count: Int, from now: Date) {
        self.schedule = schedule
        let zoneName = schedule.timezone ?? "UTC"
        timezone = zoneName
        let zone = TimeZoneCatalog.shared(zoneName) ?? TimeZone(identifier: "UTC")!
        var runs: [Run] = []
        var cursor = now
        while runs.count < count, let next = schedule.nextFire(after: cursor, anchor: now) {
            runs.append(Run(at: next, local: Self.localISO8601(next, in: zone)))
            cursor = next
        }
        self.runs = runs
    }

    static func localISO8601(_ date: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: date)
        let shifted = Date(milliseconds: date.millisecondsSince1970 + Int64(offset) * 1000).iso8601Milliseconds
        // `…T03:00:00.000Z` → `…T03:00:00+02:00`
        let wallClock = shifted.prefix(19)
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        let hours = String(minutes / 60)
        let rest = String(minutes % 60)
        return "\(wallClock)\(sign)\(hours.count < 2 ? "0" + hours : hours):\(rest.count < 2 ? "0" + rest : rest)"
    }
}
