import Foundation

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

    static func jsonText(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject(value),
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return Self.text(value) }
        return String(decoding: data, as: UTF8.self)
    }

    /// A value as one table cell.
    static func text(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return "—"
        case let string as String: return string
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return number.boolValue ? "yes" : "no" }
            return number.stringValue
        case let array as [Any]: return array.map { text($0) }.joined(separator: ", ")
        case let object as [String: Any]:
            return object.keys.sorted().map { "\($0)=\(text(object[$0]))" }.joined(separator: " ")
        default: return "\(value!)"
        }
    }

    func printJSON(_ value: Any?) {
        print(Self.jsonText(value ?? NSNull()))
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
    func fields(_ object: Any?) {
        var lines: [(String, String)] = []
        func walk(_ value: Any?, _ prefix: String) {
            if let object = value as? [String: Any], !object.isEmpty, !prefix.hasSuffix("headers") {
                for key in object.keys.sorted() { walk(object[key], prefix.isEmpty ? key : "\(prefix).\(key)") }
            } else {
                lines.append((prefix, Self.text(value)))
            }
        }
        walk(object, "")
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

    func paint(_ text: String, _ code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
