/// Which request headers a job may set.
public enum HeaderRules {
    /// Headers the HTTP client owns; letting a job set them would corrupt framing or routing.
    static let reserved: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer",
        "keep-alive", "proxy-connection", "proxy-authorization", "expect",
        // Standard Webhooks signing headers, set on every delivery.
        "webhook-id", "webhook-timestamp", "webhook-signature",
    ]

    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    public static func validate(_ headers: [String: String], field: String) throws(ValidationError) {
        guard headers.count <= JobRules.maxHeaders else {
            throw ValidationError(field: field, "must have at most \(JobRules.maxHeaders) headers")
        }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenCharacter) else {
                throw ValidationError(field: "\(field).\(name)", "is not a valid header name")
            }
            let lower = name.lowercased()
            if reserved.contains(lower) || lower.hasPrefix("runhooks-") {
                throw ValidationError(field: "\(field).\(name)", "is set by Runhooks and cannot be overridden")
            }
            guard value.unicodeScalars.count <= JobRules.maxHeaderValueLength else {
                throw ValidationError(field: "\(field).\(name)", "must be at most \(JobRules.maxHeaderValueLength) characters")
            }
            guard value.unicodeScalars.allSatisfy({ $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) }) else {
                throw ValidationError(field: "\(field).\(name)", "must not contain control characters or line breaks")
            }
        }
    }
}
