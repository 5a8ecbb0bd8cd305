import Foundation
import RunhooksCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Prints what a command got: the raw `data` as JSON with `--json`, otherwise tables and
/// key-value lists, coloured when stdout is a terminal (and `NO_COLOR` is unset).
struct Output {
    let json: Bool
    let colour = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil

    static func jsonText(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? text(value)
    }

    /// A value as one table cell.
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: "—"
        case .string(let string)?: string
        case .bool(let flag)?: flag ? "yes" : "no"
        case .number(let number)?: number.rounded() == number && abs(number) < 9e15 ? String(Int64(number)) : String(number)
        case .array(let items)?: items.map { text($0) }.joined(separator: ", ")
        case .object(let object)?: object.keys.sorted().map { "\($0)=\(text(object[$0]))" }.joined(separator: " ")
        }
    }

    func printJSON(_ value: JSONValue?) {
        print(Self.jsonText(value ?? .null))
    }

    /// One record: its fields, or the JSON with `--json`.
    func record(_ value: JSONValue?) {
        json ? printJSON(value) : fields(value)
    }

    /// The answer to an action (delete, trigger, replay): its message, or the JSON with `--json`.
    func acknowledge(_ reply: APIConnection.Reply, otherwise text: String) {
        json ? printJSON(reply.data) : message(reply.message ?? text)
    }

    /// Prints rows under a header; `style` may colour a cell (by column name and value).
    func table(_ columns: [String], _ rows: [[String]], style: (String, String) -> String? = { _, _ in nil }) {
        guard !rows.isEmpty else {
            print(paint("(none)", "2"))
            return
        }
        let widths = columns.indices.map { column in
            max(columns[column].count, rows.map { min($0[column].count, 60) }.max() ?? 0)
        }
        let header = columns.indices.map { columns[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
        print(paint(header.joined(separator: "  ").trimmingCharacters(in: .whitespaces), "1"))
        for row in rows {
            let cells = columns.indices.map { column -> String in
                var cell = row[column]
                if cell.count > 60 { cell = String(cell.prefix(59)) + "…" }
                let padded = cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                return style(columns[column], cell).map { paint(padded, $0) } ?? padded
            }
            print(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }

    /// Prints an object's fields one per line, nested objects flattened with dots.
    func fields(_ value: JSONValue?) {
        var lines: [(String, String)] = []
        func walk(_ value: JSONValue?, _ prefix: String) {
            if let object = value?.object, !object.isEmpty, !prefix.hasSuffix("headers") {
                for key in object.keys.sorted() { walk(object[key], prefix.isEmpty ? key : "\(prefix).\(key)") }
            } else {
                lines.append((prefix, Self.text(value)))
            }
        }
        walk(value, "")
        let width = lines.map(\.0.count).max() ?? 0
        for (key, value) in lines {
            print(paint(key.padding(toLength: width, withPad: " ", startingAt: 0), "1") + "  " + value)
        }
    }

    func message(_ text: String?) {
        guard let text, !json else { return }
        print(paint(text, "32"))
    }

    /// Colours for statuses: green for good, red for bad, yellow for waiting.
    static func statusColour(_ status: String) -> String? {
        switch status {
        case "success", "active", "alive", "ok", "sent", "yes": return "32"
        case "failed", "timeout", "dead_letter", "dead", "error", "no": return "31"
        case "pending", "running", "paused", "suspect", "quota_exceeded", "left": return "33"
        default: return nil
        }
    }

    /// A table whose column `column` holds statuses, coloured as such.
    func statusTable(_ columns: [String], _ rows: [[String]], statusColumn column: String) {
        table(columns, rows) { name, value in name == column ? Self.statusColour(value) : nil }
    }

    /// "page 1 of 3, 42 job(s)" under a paged list; "0 job(s)" for an empty one.
    static func pageLine(_ page: JSONValue?, noun: String) -> String {
        if page?["total"]?.int == 0 { return "0 \(noun)(s)" }
        return "page \(text(page?["page"])) of \(text(page?["totalPages"])), \(text(page?["total"])) \(noun)(s)"
    }

    func paint(_ text: String, _ code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
