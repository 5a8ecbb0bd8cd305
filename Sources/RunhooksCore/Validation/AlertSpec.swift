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
        let name = try body.requiredName("name", length: FieldLimits.alertName)
        let channelText = try body.requiredString("channel")
        guard let channel = AlertConfig.Channel(rawValue: channelText) else {
            throw ValidationError(field: "channel", "must be \"email\", \"webhook\" or \"slack\"")
        }
        let target = try body.requiredString("target", length: FieldLimits.alertTarget)
        try Self.checkTarget(target, channel: channel, rules: rules)
        let jobId = try body.string("jobId")
        if let jobId, !ObjectIDGenerator.isValid(jobId) {
            throw ValidationError(field: "jobId", "must be a job id (24 hex characters) or null")
        }
        self.init(
            name: name, channel: channel, target: target, jobId: jobId,
            consecutiveFailuresThreshold: try body.integer("consecutiveFailuresThreshold", range: FieldLimits.consecutiveFailuresThreshold) ?? 1,
            cooldownMinutes: try body.integer("cooldownMinutes", range: FieldLimits.cooldownMinutes) ?? 60,
            enabled: try body.bool("enabled") ?? true)
    }

    /// Applies a PUT body (only the given fields change) to a stored alert.
    public init(merging patch: JSONValue, into alert: AlertConfig, rules: AlertRules) throws(ValidationError) {
        let reader = try FieldReader(patch)
        try reader.rejectUnknown(allowed: Self.fields, ignoring: Self.readOnlyFields)
        try reader.requireEchoedID(alert.id)
        // A target's format depends on the channel, so one never changes without the other.
        if reader.has("target") != reader.has("channel") {
            let missing = reader.has("target") ? "channel" : "target"
            throw ValidationError(field: missing, "is required when \(missing == "channel" ? "target" : "channel") changes (give both)")
        }
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
    /// A pragmatic check (`TextPatterns.email`): one `@`, a local part of 1 to 64 characters
    /// without spaces or controls, and a dotted domain of ASCII labels (internationalised
    /// domains in their `xn--` form), 254 characters in all.
    public static func isValid(_ text: String) -> Bool {
        let scalars = text.unicodeScalars
        guard scalars.count <= 254, !scalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            return false
        }
        let parts = scalars.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        }
    }
}
