import Foundation
import GRDB

/// The `name_matches(pattern, name)` SQL function behind the jobs list's `name` filter:
/// a case-insensitive regular expression, as the reference describes.
enum NameMatcher {
    static let sqlFunction = DatabaseFunction("name_matches", argumentCount: 2, pure: true) { values in
        guard let pattern = String.fromDatabaseValue(values[0]), let name = String.fromDatabaseValue(values[1]) else {
            return false
        }
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else {
            return false
        }
        let range = NSRange(name.startIndex..., in: name)
        return regex.firstMatch(in: name, options: [], range: range) != nil
    }
}
