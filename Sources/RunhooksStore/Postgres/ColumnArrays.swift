/// Rows of a batch as one array per column, for `unnest(…)`: postgres-nio binds arrays of
/// values but not arrays with NULLs, so a missing number is -1 (no stored number is negative:
/// times, durations, status codes) and a missing text is "" with a `true` in its null array.
struct ColumnArrays {
    var texts: [[String]] = Array(repeating: [], count: 4)
    var bigints: [[Int64]] = Array(repeating: [], count: 11)
    var nullableTexts: [[String]] = Array(repeating: [], count: 3)
    var nulls: [[Bool]] = Array(repeating: [], count: 3)

    init(capacity: Int) {
        for index in texts.indices { texts[index].reserveCapacity(capacity) }
        for index in bigints.indices { bigints[index].reserveCapacity(capacity) }
    }

    mutating func text(_ column: Int, _ value: String) {
        texts[column].append(value)
    }

    mutating func bigint(_ column: Int, _ value: Int64?) {
        bigints[column].append(value ?? -1)
    }

    mutating func nullableText(_ column: Int, _ value: String?) {
        nullableTexts[column].append(value ?? "")
        nulls[column].append(value == nil)
    }
}
