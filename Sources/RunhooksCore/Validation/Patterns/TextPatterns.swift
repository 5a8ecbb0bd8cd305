/// The text rules validation enforces, written as regular expressions for the OpenAPI document
/// (in the syntax JSON Schema, ECMAScript, Python and ICU share). Tests hold each one to the
/// Swift check it describes.
public enum TextPatterns {
    /// Unicode general category Cc: what `FieldReader.line` refuses.
    static let controlRange = "\\x00-\\x1F\\x7F-\\x9F"
    /// The Unicode White_Space characters that are not controls.
    static let spaceRange = "\\x20\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000"
    /// Every Unicode White_Space character (what cron expressions are trimmed of).
    static let whiteSpaceClass = "[\\t\\n\\x0B\\x0C\\r\\x85\(spaceRange)]"

    /// A single line: no control characters.
    public static let line = "^[^\(controlRange)]*$"

    /// A single line with at least one character that is not white space (names).
    public static let nonBlankLine = "^[^\(controlRange)]*[^\(controlRange)\(spaceRange)][^\(controlRange)]*$"

    /// A header field value: no control characters but horizontal tab.
    public static let headerValue = "^[^\\x00-\\x08\\x0A-\\x1F\\x7F]*$"

    /// An HTTP token (RFC 9110) that is not one of the headers Runhooks sets itself.
    public static var headerName: String {
        let reserved = HeaderRules.reserved.sorted().map(caseInsensitive).joined(separator: "|")
        return "^(?!(?:\(reserved))$)(?!\(caseInsensitive("runhooks-")))[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
    }

    static let dnsLabel = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"

    /// What `EmailAddress.isValid` accepts (its 254-character limit is the schema's maxLength).
    public static let email = "^[^\\x00-\\x20\\x7F@]{1,64}@(?:\(dnsLabel)\\.)+\(dnsLabel)$"

    /// URLs every server accepts as a target: a DNS name (not `localhost`) with a top-level
    /// domain of letters, an optional port, and path, query and fragment of URL characters.
    /// The server takes more (address literals where private targets are allowed, user info,
    /// names Foundation parses leniently); the document promises what always passes.
    public static func targetURL(schemes: Set<String>) -> String {
        let scheme = schemes.sorted().map(caseInsensitive).joined(separator: "|")
        let localhost = caseInsensitive("localhost")
        let host = "(?:\(dnsLabel)\\.)+(?!\(localhost)(?:[:/?#]|$))[A-Za-z]{2,63}"
        let port = "(?::\(DecimalRangePattern.canonical(1...65_535)))?"
        let character = "[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2}"
        let path = "(?:/(?:\(character))*)*"
        let query = "(?:\\?(?:\(character)|[/?])*)?"
        let fragment = "(?:#(?:\(character)|[/?])*)?"
        return "^(?:\(scheme))://\(host)\(port)\(path)\(query)\(fragment)$"
    }

    /// `abc` → `[Aa][Bb][Cc]`: case-insensitive without flags, which JSON Schema lacks.
    static func caseInsensitive(_ text: String) -> String {
        var pattern = ""
        for character in text {
            let upper = character.uppercased()
            let lower = character.lowercased()
            if upper != lower {
                pattern += "[\(upper)\(lower)]"
            } else if "\\^$.|?*+()[]{}".contains(character) {
                pattern += "\\\(character)"
            } else {
                pattern.append(character)
            }
        }
        return pattern
    }
}
