import Foundation

/// When a job fires: a cron expression in an IANA time zone, or a fixed interval in ms.
public struct Schedule: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case cron
        case interval
    }

    public var kind: Kind
    public var expression: String
    public var timezone: String?

    public init(kind: Kind, expression: String, timezone: String? = nil) {
        self.kind = kind
        self.expression = expression
        self.timezone = timezone
    }

    /// The interval in milliseconds, for interval schedules.
    public var intervalMs: Int64? {
        kind == .interval ? Int64(expression) : nil
    }

    /// The next fire strictly after `date`. Intervals count from `anchor` so they never drift.
    public func nextFire(after date: Date, anchor: Date) -> Date? {
        switch kind {
        case .cron:
            guard let cron = try? CronExpression(expression) else { return nil }
            let zone = timezone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
            return cron.nextFire(after: date, in: zone)
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
