/// A validated alert configuration as a client described it.
public struct AlertSpec: Sendable, Equatable {
    public var name: String
    public var channel: AlertConfig.Channel
    public var target: String
    public var jobId: String?
    public var consecutiveFailuresThreshold: Int
    public var cooldownMinutes: Int
    public var enabled: Bool

    public init(
        name: String, channel: AlertConfig.Channel, target: String, jobId: String? = nil,
        consecutiveFailuresThreshold: Int = 1, cooldownMinutes: Int = 60, enabled: Bool = true
    ) {
        self.name = name
        self.channel = channel
        self.target = target
        self.jobId = jobId
        self.consecutiveFailuresThreshold = consecutiveFailuresThreshold
        self.cooldownMinutes = cooldownMinutes
        self.enabled = enabled
    }
}

public struct AlertRules: Sendable {
    /// Slack targets must be https unless private targets are allowed (local testing).
    public var allowPlainHTTPSlack: Bool
    public init(allowPlainHTTPSlack: Bool = false) { self.allowPlainHTTPSlack = allowPlainHTTPSlack }
}

extension AlertSpec {
    static let fields: Set<String> = [
        "name", "channel", "target", "jobId", "consecutiveFailuresThreshold", "cooldownMinutes", "enabled",
    ]
    static let readOnlyFields: Set<String> = ["id", "userId", "createdAt", "updatedAt"]

    public init(validating json: JSONValue, rules: AlertRules) throws(ValidationError) {
        let body = try FieldReader(json)
        try body.rejectUnknown(allowed: Self.fields, ignoring: Self.readOnlyFields)
        let name = try body.requiredLine("name", length: 1...100)
        guard !name.allSatisfy(\.isWhitespace) else { throw ValidationError(field: "name", "must not be blank") }
        let channelText = try body.requiredString("channel")
        guard let channel = AlertConfig.Channel(rawValue: channelText) else {
            throw ValidationError(field: "channel", "must be \"email\", \"webhook\" or \"slack\"")
        }
        let target = try body.requiredString("target", length: 1...500)
        try Self.checkTarget(target, channel: channel, rules: rules)
        let jobId = try body.string("jobId")
        if let jobId, !ObjectIDGenerator.isValid(jobId) {
            throw ValidationError(field: "jobId", "must be a job id (24 hex characters) or null")
        }
        self.init(
            name: name, channel: channel, target: target, jobId: jobId,
            consecutiveFailuresThreshold: try body.integer("consecutiveFailuresThreshold", range: 1...100) ?? 1,
            cooldownMinutes: try body.integer("cooldownMinutes", range: 0...10_080) ?? 60,
            enabled: try body.bool("enabled") ?? true)
    }

    /// Applies a PUT body (only the given fields change) to a stored alert.
    public init(merging patch: JSONValue, into alert: AlertConfig, rules: AlertRules) throws(ValidationError) {
        let reader = try FieldReader(patch)
        try reader.rejectUnknown(allowed: Self.fields, ignoring: Self.readOnlyFields)
        var merged: [String: JSONValue] = [
            "name": .string(alert.name), "channel": .string(alert.channel.rawValue), "target": .string(alert.target),
            "consecutiveFailuresThreshold": .number(Double(alert.consecutiveFailuresThreshold)),
            "cooldownMinutes": .number(Double(alert.cooldownMinutes)), "enabled": .bool(alert.enabled),
        ]
        if let jobId = alert.jobId { merged["jobId"] = .string(jobId) }
        for (key, value) in reader.fields where !Self.readOnlyFields.contains(key) {
            merged[key] = value == .null ? nil : value
        }
        try self.init(validating: .object(merged), rules: rules)
    }

    static func checkTarget(_ target: String, channel: AlertConfig.Channel, rules: AlertRules) throws(ValidationError) {
        switch channel {
        case .email:
            guard EmailAddress.isValid(target) else {
                throw ValidationError(field: "target", "must be an email address for the email channel")
            }
        case .webhook:
            _ = try TargetURL(target, field: "target")
        case .slack:
            _ = try TargetURL(target, field: "target", schemes: rules.allowPlainHTTPSlack ? ["http", "https"] : ["https"])
        }
    }

    /// The URL to guard against SSRF, for channels that send HTTP.
    public var httpTarget: String? { channel == .email ? nil : target }
}

public enum EmailAddress {
    /// A pragmatic check: one `@`, a non-empty local part, a dotted domain, no spaces or controls.
    public static func isValid(_ text: String) -> Bool {
        guard text.count <= 254, !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            return false
        }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
        }
    }
}
