import Foundation

/// When a job fires: a cron expression in an IANA time zone, or a fixed interval in ms.
public struct Schedule: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case cron
        case interval
    }

    public let kind: Kind
    public let expression: String
    public let timezone: String?
    /// Parsed once here, not on every fire; boxed so that a job stays small in memory.
    let compiled: CompiledCron?

    public init(kind: Kind, expression: String, timezone: String? = nil) {
        self.kind = kind
        self.expression = expression
        self.timezone = timezone
        if kind == .cron, let cron = try? CronExpression(expression), let zone = TimeZoneCatalog.shared(timezone ?? "UTC") {
            compiled = CompiledCron(cron: cron, zone: zone)
        } else {
            compiled = nil
        }
    }

    public static func == (lhs: Schedule, rhs: Schedule) -> Bool {
        lhs.kind == rhs.kind && lhs.expression == rhs.expression && lhs.timezone == rhs.timezone
    }

    /// The interval in milliseconds, for interval schedules.
    public var intervalMs: Int64? {
        kind == .interval ? Int64(expression) : nil
    }

    /// The next fire strictly after `date`. Intervals count from `anchor` so they never drift.
    public func nextFire(after date: Date, anchor: Date) -> Date? {
        switch kind {
        case .cron:
            guard let compiled else { return nil }
            return compiled.cron.nextFire(after: date, in: compiled.zone)
        case .interval:
            guard let every = intervalMs, every > 0 else { return nil }
            let anchorMs = anchor.millisecondsSince1970
            let nowMs = date.millisecondsSince1970
            if nowMs < anchorMs { return Date(milliseconds: anchorMs + every) }
            let periods = (nowMs - anchorMs) / every + 1
            return Date(milliseconds: anchorMs + periods * every)
        }
    }
}

/// A parsed cron expression with its zone.
final class CompiledCron: Sendable {
    let cron: CronExpression
    let zone: TimeZone

    init(cron: CronExpression, zone: TimeZone) {
        self.cron = cron
        self.zone = zone
    }
}
