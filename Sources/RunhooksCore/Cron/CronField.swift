/// The set of values one cron field allows, as a bitset over 0...63.
public struct CronField: Sendable, Equatable {
    public private(set) var bits: UInt64
    /// Whether the field was written starting with `*` (`*`, `*/5`): Vixie cron combines
    /// day-of-month and day-of-week with OR only when neither starts with `*`.
    public let startsWithStar: Bool

    public init(bits: UInt64, startsWithStar: Bool) {
        self.bits = bits
        self.startsWithStar = startsWithStar
    }

    public func contains(_ value: Int) -> Bool { bits & (1 << UInt64(value)) != 0 }

    /// The smallest allowed value ≥ `value`, if any.
    public func next(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let masked = bits >> UInt64(value)
        guard masked != 0 else { return nil }
        return value + masked.trailingZeroBitCount
    }

    public var first: Int? { bits == 0 ? nil : bits.trailingZeroBitCount }

    public var values: [Int] { (0..<64).filter { contains($0) } }
}

/// What each of the five fields accepts.
struct CronFieldKind: Sendable {
    let name: String
    let range: ClosedRange<Int>
    let names: [String: Int]

    static let minute = CronFieldKind(name: "minute", range: 0...59, names: [:])
    static let hour = CronFieldKind(name: "hour", range: 0...23, names: [:])
    static let dayOfMonth = CronFieldKind(name: "day of month", range: 1...31, names: [:])
    static let month = CronFieldKind(
        name: "month", range: 1...12,
        names: [
            "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
            "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12,
        ])
    static let dayOfWeek = CronFieldKind(
        name: "day of week", range: 0...7,
        names: ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6])
}

extension CronField {
    /// Parses one field: `*`, `N`, `A-B`, lists of those, each optionally with `/STEP`.
    static func parse(_ text: String, kind: CronFieldKind) throws(CronParseError) -> CronField {
        guard !text.isEmpty else { throw CronParseError("\(kind.name) field is empty") }
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            bits |= try parseItem(String(item), kind: kind)
        }
        if kind.range.upperBound == 7, bits & (1 << 7) != 0 {
            bits = (bits & ~(1 << 7)) | 1  // 7 is Sunday, like 0
        }
        return CronField(bits: bits, startsWithStar: text.hasPrefix("*"))
    }

    private static func parseItem(_ item: String, kind: CronFieldKind) throws(CronParseError) -> UInt64 {
        guard !item.isEmpty else { throw CronParseError("\(kind.name) field has an empty list item") }
        let parts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw CronParseError("\(kind.name) field has more than one '/' in '\(item)'") }
        var step = 1
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), parsed > 0 else {
                throw CronParseError("\(kind.name) step '\(parts[1])' must be a positive number")
            }
            guard parsed <= kind.range.upperBound else {
                throw CronParseError("\(kind.name) step \(parsed) is larger than \(kind.range.upperBound)")
            }
            step = parsed
        }
        let rangeText = String(parts[0])
        let low: Int
        var high: Int
        if rangeText == "*" {
            low = kind.range.lowerBound
            high = kind.range.upperBound
            if kind.range.upperBound == 7 { high = 6 }
        } else {
            let bounds = rangeText.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2 else { throw CronParseError("\(kind.name) range '\(rangeText)' is not valid") }
            low = try value(String(bounds[0]), kind: kind)
            if bounds.count == 2 {
                high = try value(String(bounds[1]), kind: kind)
                guard low <= high else {
                    throw CronParseError("\(kind.name) range '\(rangeText)' runs backwards")
                }
            } else {
                // `N/STEP` means from N to the end of the range, as in Vixie cron.
                high = parts.count == 2 ? kind.range.upperBound : low
            }
        }
        var bits: UInt64 = 0
        var current = low
        while current <= high {
            bits |= 1 << UInt64(current)
            current += step
        }
        return bits
    }

    private static func value(_ text: String, kind: CronFieldKind) throws(CronParseError) -> Int {
        if let number = Int(text), text.allSatisfy(\.isASCII) {
            guard kind.range.contains(number) else {
                throw CronParseError(
                    "\(kind.name) value \(number) is out of range \(kind.range.lowerBound)-\(kind.range.upperBound)")
            }
            return number
        }
        if text.utf8.allSatisfy({ $0 < 0x80 }), let named = kind.names[text.uppercased()] { return named }
        throw CronParseError("\(kind.name) value '\(text)' is not a number\(kind.names.isEmpty ? "" : " or name")")
    }
}

public struct CronParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
