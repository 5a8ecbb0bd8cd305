/// Regular expressions (the subset JSON Schema, ECMAScript, Python and ICU share) that match
/// the decimal spellings of the integers in a range.
public enum DecimalRangePattern {
    /// Matches the canonical spelling (no sign, no leading zero) of every integer in `range`.
    public static func canonical(_ range: ClosedRange<Int>) -> String {
        precondition(range.lowerBound >= 0)
        var alternatives: [String] = []
        var width = String(range.lowerBound).count
        while true {
            let smallest = width == 1 ? 0 : power(width - 1)
            let largest = power(width) - 1
            let low = max(range.lowerBound, smallest)
            let high = min(range.upperBound, largest)
            if low <= high { alternatives += sameWidth(String(low), String(high)) }
            if range.upperBound <= largest { break }
            width += 1
        }
        return alternatives.count == 1 ? alternatives[0] : "(?:" + alternatives.joined(separator: "|") + ")"
    }

    /// Matches what Swift's `Int(_:)` reads as an integer in `range`: an optional `+`, any
    /// number of leading zeros, then the digits.
    public static func lenient(_ range: ClosedRange<Int>) -> String {
        "\\+?0*" + canonical(range)
    }

    private static func power(_ exponent: Int) -> Int {
        var value = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Alternatives matching every string of digits from `low` to `high` (same length).
    private static func sameWidth(_ low: String, _ high: String) -> [String] {
        let lowDigits = Array(low)
        let highDigits = Array(high)
        let count = lowDigits.count
        if low == high { return [low] }
        if count == 1 { return [digitClass(lowDigits[0], highDigits[0])] }
        if lowDigits[0] == highDigits[0] {
            let rest = sameWidth(String(lowDigits.dropFirst()), String(highDigits.dropFirst()))
            return [String(lowDigits[0]) + group(rest)]
        }
        let tail = count - 1
        let lowRest = String(lowDigits.dropFirst())
        let highRest = String(highDigits.dropFirst())
        let allNines = String(repeating: "9", count: tail)
        let allZeros = String(repeating: "0", count: tail)
        var parts: [String] = []
        var firstFull = lowDigits[0]
        if lowRest != allZeros {
            parts.append(String(lowDigits[0]) + group(sameWidth(lowRest, allNines)))
            firstFull = next(lowDigits[0])
        }
        var lastFull = highDigits[0]
        var highPart: String?
        if highRest != allNines {
            highPart = String(highDigits[0]) + group(sameWidth(allZeros, highRest))
            lastFull = previous(highDigits[0])
        }
        if firstFull <= lastFull {
            parts.append(digitClass(firstFull, lastFull) + anyDigits(tail))
        }
        if let highPart { parts.append(highPart) }
        return parts
    }

    private static func group(_ alternatives: [String]) -> String {
        alternatives.count == 1 ? alternatives[0] : "(?:" + alternatives.joined(separator: "|") + ")"
    }

    private static func digitClass(_ low: Character, _ high: Character) -> String {
        if low == high { return String(low) }
        if low == "0" && high == "9" { return "[0-9]" }
        return "[\(low)-\(high)]"
    }

    private static func anyDigits(_ count: Int) -> String {
        switch count {
        case 0: return ""
        case 1: return "[0-9]"
        default: return "[0-9]{\(count)}"
        }
    }

    private static func next(_ digit: Character) -> Character {
        Character(UnicodeScalar(digit.asciiValue! + 1))
    }

    private static func previous(_ digit: Character) -> Character {
        Character(UnicodeScalar(digit.asciiValue! - 1))
    }
}
