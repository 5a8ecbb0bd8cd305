import Foundation

/// The jobs list's `name` filter: a case-insensitive regular expression. Patterns that can
/// backtrack exponentially (a quantified group that itself contains a quantifier, like
/// `(a+)+`) are refused, so a filter cannot pin a CPU.
public enum NamePattern {
    public static func validate(_ pattern: String, field: String) throws(ValidationError) {
        guard (try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive])) != nil else {
            throw ValidationError(field: field, "is not a valid regular expression")
        }
        if hasNestedQuantifier(pattern) {
            throw ValidationError(field: field, "must not repeat a group that itself contains a repetition")
        }
    }

    static func hasNestedQuantifier(_ pattern: String) -> Bool {
        let characters = Array(pattern)
        var groupHasQuantifier: [Bool] = []
        var closedGroupHadQuantifier = false
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "\\":
                index += 1
                closedGroupHadQuantifier = false
            case "[":
                while index < characters.count, characters[index] != "]" {
                    if characters[index] == "\\" { index += 1 }
                    index += 1
                }
                closedGroupHadQuantifier = false
            case "(":
                groupHasQuantifier.append(false)
                closedGroupHadQuantifier = false
            case ")":
                closedGroupHadQuantifier = groupHasQuantifier.popLast() ?? false
                index += 1
                continue
            case "*", "+", "{", "?":
                let isRepetition = character != "?"
                if isRepetition && closedGroupHadQuantifier { return true }
                if isRepetition, !groupHasQuantifier.isEmpty { groupHasQuantifier[groupHasQuantifier.count - 1] = true }
                closedGroupHadQuantifier = false
            default:
                closedGroupHadQuantifier = false
            }
            index += 1
        }
        return false
    }
}
