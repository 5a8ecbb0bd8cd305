import Foundation
import GRDB
import RunhooksCore
import Synchronization

/// The jobs list's `name` filter: a case-insensitive regular expression (ICU syntax, as
/// `NSRegularExpression` reads it), the same on every backend. An invalid pattern matches
/// nothing (the API rejects one before it gets here).
///
/// ICU backtracks, and some patterns the API cannot recognise up front take exponential time
/// (`(a|a)*b` against 28 a's took 8 s, `a*a*a*a*a*a*a*a*a*b` 10 s): a single list request would
/// pin a core that every account shares. So a name's match is given up after about
/// `stepLimit` of the matcher's steps, and the request is refused with a 400 rather than
/// answered with a partial list.
enum NameMatcher {
    /// ICU reports progress once per position a search starts from, and once per 10,000 steps
    /// of a match (`TIMER_INITIAL_VALUE` in its matcher); Foundation passes both on alike.
    static let stepsPerReport = 10_000
    static let stepLimit = 3_000_000

    /// A match given up as too slow.
    struct TooSlow: Error, CustomStringConvertible {
        var description: String { Self.message }
        static let message =
            "takes too long to match: the pattern can try too many ways to match one name (as (a|a)* or a*a*a* can); use a simpler one"
        var asValidationError: ValidationError { ValidationError(field: "name", Self.message) }
    }

    static func matches(pattern: String, name: String) throws(TooSlow) -> Bool {
        guard let regex = compiled(pattern) else { return false }
        return try matches(regex, name: name)
    }

    /// The last pattern compiled: a list request matches one pattern against every name of the
    /// account, twice on SQLite (the count and the page), and compiling it per name cost more
    /// than most matches.
    private static let lastCompiled = Mutex<(pattern: String, regex: NSRegularExpression)?>(nil)

    private static func compiled(_ pattern: String) -> NSRegularExpression? {
        if let last = lastCompiled.withLock({ $0 }), last.pattern == pattern { return last.regex }
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else { return nil }
        lastCompiled.withLock { $0 = (pattern, regex) }
        return regex
    }

    private static func matches(_ regex: NSRegularExpression, name: String) throws(TooSlow) -> Bool {
        var matched = false
        var reports = 0
        var gaveUp = false
        let reportLimit = name.utf16.count + 1 + stepLimit / stepsPerReport
        regex.enumerateMatches(in: name, options: [.reportProgress], range: NSRange(name.startIndex..., in: name)) {
            result, flags, stop in
            if result != nil {
                matched = true
                stop.pointee = true
            } else if flags.contains(.progress) {
                reports += 1
                if reports > reportLimit {
                    gaveUp = true
                    stop.pointee = true
                }
            }
        }
        if gaveUp { throw TooSlow() }
        return matched
    }

    /// `name_matches(pattern, name)` for SQLite queries; a match given up fails the statement
    /// with `TooSlow.message` (see `isTooSlow`).
    static let sqlFunction = DatabaseFunction("name_matches", argumentCount: 2, pure: true) { values in
        guard let pattern = String.fromDatabaseValue(values[0]), let name = String.fromDatabaseValue(values[1]) else {
            return false
        }
        return try matches(pattern: pattern, name: name)
    }

    /// Whether a statement failed because `name_matches` gave up.
    static func isTooSlow(_ error: DatabaseError) -> Bool {
        error.message?.contains(TooSlow.message) == true
    }
}
