import Foundation
import GRDB

/// The jobs list's `name` filter: a case-insensitive regular expression (ICU syntax, as
/// `NSRegularExpression` reads it), the same on every backend. An invalid pattern matches
/// nothing (the API rejects one before it gets here).
enum NameMatcher {
    static func matches(pattern: String, name: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else { return false }
        let range = NSRange(name.startIndex..., in: name)
        return regex.firstMatch(in: name, options: [], range: range) != nil
    }

    /// `name_matches(pattern, name)` for SQLite queries.
    static let sqlFunction = DatabaseFunction("name_matches", argumentCount: 2, pure: true) { values in
        guard let pattern = String.fromDatabaseValue(values[0]), let name = String.fromDatabaseValue(values[1]) else {
            return false
        }
        return matches(pattern: pattern, name: name)
    }
}
