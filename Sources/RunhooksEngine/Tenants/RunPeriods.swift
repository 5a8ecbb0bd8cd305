import Foundation
import RunhooksCore

/// The UTC day and month a run counts in, as numbers (compared on every fire; no strings).
enum RunPeriods {
    static func of(_ date: Date) -> (day: Int, month: Int) {
        let civil = date.utcCivilDate
        return (civil.daysSinceEpoch, civil.year * 12 + civil.month - 1)
    }
}
