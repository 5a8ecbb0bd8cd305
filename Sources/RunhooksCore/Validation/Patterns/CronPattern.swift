/// The cron expressions `CronExpression` accepts and that can ever fire, as one regular
/// expression built from the same field definitions the parser uses.
public enum CronPattern {
    public static let pattern: String = {
        let fields = [CronFieldKind.minute, .hour, .dayOfMonth, .month, .dayOfWeek].map(field)
        let separator = "[ \\t]+"
        let space = TextPatterns.whiteSpaceClass + "*"
        let aliases = CronExpression.aliases.keys.sorted().map(TextPatterns.caseInsensitive).joined(separator: "|")
        let any = "[^ \\t]+"
        // Day-of-week written with `*` combines with the day of month by AND: a day of month no
        // listed month has then never comes (`0 0 30 2 *`). Two shapes cover every such case.
        let never = [
            (days: Set([30, 31]), months: Set([2])),
            (days: Set([31]), months: Set([2, 4, 6, 9, 11])),
        ].map { rule in
            let days = list(of: .dayOfMonth, within: rule.days)
            let months = list(of: .month, within: rule.months)
            return "(?!\(space)\(any)\(separator)\(any)\(separator)\(days)\(separator)\(months)\(separator)\\*[^ \\t]*\(space)$)"
        }.joined()
        return "^\(never)\(space)(?:\(aliases)|\(fields.joined(separator: separator)))\(space)$"
    }()

    /// Every way to write a value of the field: digits (Swift's `Int` reading) or its name.
    static func spelling(of values: [Int], in kind: CronFieldKind) -> String {
        var alternatives: [String] = []
        for run in contiguousRuns(values) { alternatives.append(DecimalRangePattern.lenient(run)) }
        for (name, value) in kind.names.sorted(by: { $0.key < $1.key }) where values.contains(value) {
            alternatives.append(TextPatterns.caseInsensitive(name))
        }
        return alternatives.count == 1 ? alternatives[0] : "(?:" + alternatives.joined(separator: "|") + ")"
    }

    /// One field: a comma-separated list of `*`, `N`, `A-B` (A ≤ B), each with an optional `/STEP`.
    static func field(_ kind: CronFieldKind) -> String {
        let values = Array(kind.range)
        let starts = values.map { low -> String in
            let later = Array(low...kind.range.upperBound)
            return spelling(of: [low], in: kind) + "(?:-" + spelling(of: later, in: kind) + ")?"
        }
        let step = "(?:/" + DecimalRangePattern.lenient(1...kind.range.upperBound) + ")?"
        let item = "(?:\\*|" + starts.joined(separator: "|") + ")" + step
        return item + "(?:," + item + ")*"
    }

    /// A list whose every item gives values inside `allowed` only, each form enumerated
    /// (`*` forms always include the first value of the range, so none qualifies here).
    static func list(of kind: CronFieldKind, within allowed: Set<Int>) -> String {
        let upper = kind.range.upperBound
        func steps(from low: Int, through high: Int) -> [Int] {
            (1...upper).filter { Set(stride(from: low, through: high, by: $0)).isSubset(of: allowed) }
        }
        func stepPattern(_ steps: [Int]) -> String {
            "/\\+?0*(?:" + steps.map(String.init).joined(separator: "|") + ")"
        }
        var items: [String] = []
        for low in kind.range where allowed.contains(low) {
            let value = spelling(of: [low], in: kind)
            var alternatives = ["-" + value + "(?:" + stepPattern(Array(1...upper)) + ")?"]
            let toEnd = steps(from: low, through: upper)
            if !toEnd.isEmpty { alternatives.append(stepPattern(toEnd)) }
            items.append(value + "(?:" + alternatives.joined(separator: "|") + ")?")
            for high in (low + 1)...max(low + 1, upper) where high <= upper {
                let stepped = steps(from: low, through: high)
                guard !stepped.isEmpty else { continue }
                let range = value + "-" + spelling(of: [high], in: kind)
                let plain = Set(low...high).isSubset(of: allowed)
                items.append(range + (plain ? "(?:" + stepPattern(stepped) + ")?" : stepPattern(stepped)))
            }
        }
        let item = "(?:" + items.joined(separator: "|") + ")"
        return item + "(?:," + item + ")*"
    }

    private static func contiguousRuns(_ values: [Int]) -> [ClosedRange<Int>] {
        var runs: [ClosedRange<Int>] = []
        for value in values.sorted() {
            if let last = runs.last, last.upperBound + 1 == value {
                runs[runs.count - 1] = last.lowerBound...value
            } else {
                runs.append(value...value)
            }
        }
        return runs
    }
}
