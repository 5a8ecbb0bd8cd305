import RunhooksCore

/// Request schemas: every rule `JobSpec`, `AlertSpec` and the account routes enforce. An
/// optional field also takes `null` (the server reads it as absent, or in a PATCH as "clear").
extension OpenAPIDocument {
    static func object(_ properties: [String: JSONValue], required: [String] = [], description: String? = nil) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "object", "properties": .object(properties), "additionalProperties": false]
        if !required.isEmpty { schema["required"] = .array(required.sorted().map { .string($0) }) }
        if let description { schema["description"] = .string(description) }
        return .object(schema)
    }

    static func string(_ length: ClosedRange<Int>? = nil, pattern: String? = nil, nullable: Bool = false) -> JSONValue {
        var schema: [String: JSONValue] = ["type": nullable ? ["string", "null"] : "string"]
        if let length {
            if length.lowerBound > 0 { schema["minLength"] = .number(Double(length.lowerBound)) }
            schema["maxLength"] = .number(Double(length.upperBound))
        }
        if let pattern { schema["pattern"] = .string(pattern) }
        return .object(schema)
    }

    static func integer(_ range: ClosedRange<Int>, nullable: Bool = false) -> JSONValue {
        [
            "type": nullable ? ["integer", "null"] : "integer", "minimum": .number(Double(range.lowerBound)),
            "maximum": .number(Double(range.upperBound)),
        ]
    }

    static func nullable(_ schema: JSONValue) -> JSONValue { ["oneOf": [schema, ["type": "null"]]] }

    static func name(_ maxLength: Int) -> JSONValue {
        string(1...maxLength, pattern: TextPatterns.nonBlankLine).merging(
            description: "One line (no control characters), not only white space")
    }

    static func cronSchedule(_ settings: Settings) -> JSONValue {
        object(
            [
                "type": ["const": "cron"],
                "expression": [
                    "type": "string", "maxLength": .number(Double(FieldLimits.scheduleExpression.upperBound)), "pattern": .string(CronPattern.pattern),
                    "description": """
                        Five fields (minute hour day-of-month month day-of-week) of `*`, numbers, ranges `A-B` \
                        (A ≤ B), lists and steps `/N`; month and weekday names (JAN, MON); day-of-week 0-7 (0 and 7 \
                        are Sunday); or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly. \
                        Day-of-month and day-of-week combine as in Vixie cron. An expression that can never fire \
                        (`0 0 30 2 *`) is refused.
                        """,
                ],
                "timezone": [
                    "type": ["string", "null"], "pattern": .string(timeZonePattern),
                    "description": "IANA time zone name from the server's tzdata (default UTC)",
                ],
            ], required: ["type", "expression"])
    }

    static func intervalSchedule(_ settings: Settings) -> JSONValue {
        let range = settings.jobRules.minIntervalMs...JobRules.maxIntervalMs
        return object(
            [
                "type": ["const": "interval"],
                "expression": [
                    "type": "string", "maxLength": .number(Double(FieldLimits.scheduleExpression.upperBound)), "pattern": .string("^0*\(DecimalRangePattern.canonical(range))$"),
                    "description": .string(
                        "Milliseconds between runs, written as digits: \(range.lowerBound.grouped) (this server's minimum) to \(range.upperBound.grouped) (366 days)"
                    ),
                ],
                "timezone": ["type": "null", "description": "Cron schedules only"],
            ], required: ["type", "expression"])
    }

    static let timeZonePattern: String = {
        let names = TimeZoneCatalog.allNames.map { name in
            name.replacingOccurrences(of: "+", with: "\\+").replacingOccurrences(of: ".", with: "\\.")
        }
        return "^(?:" + names.joined(separator: "|") + ")$"
    }()

    static func httpConfig(_ settings: Settings, patch: Bool) -> JSONValue {
        object(
            [
                "url": string(1...TargetURL.maxLength, pattern: TextPatterns.targetURL(schemes: ["http", "https"])).merging(
                    description: """
                        http or https URL. The pattern is what every server accepts; a server started with \
                        --allow-private-targets also takes loopback and private addresses. Names are resolved and \
                        checked again at every delivery (no private, loopback or link-local addresses). A user \
                        name or password in the URL is refused (send credentials in a header); an internationalised \
                        host name is sent in its ASCII (xn--) form.
                        """),
                "method": nullable(["type": "string", "enum": .array(HTTPConfig.Method.allCases.map { .string($0.rawValue) })]),
                "headers": [
                    "type": ["object", "null"], "maxProperties": .number(Double(JobRules.maxHeaders)),
                    "propertyNames": ["pattern": .string(TextPatterns.headerName)],
                    "additionalProperties": string(0...JobRules.maxHeaderValueLength, pattern: TextPatterns.headerValue),
                    "description": "Request headers; Host, framing headers, `Runhooks-*` and `webhook-*` are set by Runhooks",
                ],
                "body": string(0...JobRules.maxBodyBytes, nullable: true).merging(
                    description: "At most 1 MB (1,048,576 bytes as UTF-8)"),
                "timeoutMs": integer(FieldLimits.timeoutMs, nullable: true).merging(
                    description: "Default 30,000; above the plan's limit is 403"),
            ], required: patch ? [] : ["url"])
    }

    static var retryPolicy: JSONValue {
        object(
            [
                "maxRetries": integer(FieldLimits.maxRetries, nullable: true).merging(description: "Default 3; above the plan's limit is 403"),
                "initialDelay": integer(FieldLimits.initialDelay, nullable: true).merging(description: "ms before the first retry"),
                "backoffMultiplier": [
                    "type": ["number", "null"], "minimum": .number(FieldLimits.backoffMultiplier.lowerBound),
                    "maximum": .number(FieldLimits.backoffMultiplier.upperBound),
                ],
                "maxDelay": integer(FieldLimits.maxDelay, nullable: true).merging(description: "ms, the longest wait"),
            ])
    }

    static func jobFields(_ settings: Settings, patch: Bool) -> [String: JSONValue] {
        [
            "name": name(FieldLimits.jobName.upperBound), "description": string(FieldLimits.jobDescription, nullable: true), "schedule": ref("Schedule"),
            "httpConfig": httpConfig(settings, patch: patch), "retryPolicy": nullable(retryPolicy),
            "status": nullable(["type": "string", "enum": ["active", "paused"], "description": "Default active"]),
            "tags": [
                "type": ["array", "null"], "maxItems": .number(Double(JobRules.maxTags)),
                "items": string(1...JobRules.maxTagLength, pattern: TextPatterns.line),
            ],
        ]
    }

    /// An alert's fields besides its channel and target.
    static var alertFields: [String: JSONValue] {
        [
            "name": name(FieldLimits.alertName.upperBound),
            "jobId": ["type": ["string", "null"], "pattern": "^[0-9a-f]{24}$", "description": "Only this job's runs; null: every job"],
            "consecutiveFailuresThreshold": integer(FieldLimits.consecutiveFailuresThreshold, nullable: true),
            "cooldownMinutes": integer(FieldLimits.cooldownMinutes, nullable: true),
            "enabled": ["type": ["boolean", "null"]],
        ]
    }

    /// One alert variant per channel, with that channel's target format.
    static func alert(channel: String, target: JSONValue, patch: Bool) -> JSONValue {
        object(
            alertFields.merging(["channel": ["const": .string(channel)], "target": target]) { _, new in new },
            required: patch ? ["channel", "target"] : ["name", "channel", "target"])
    }

    static func alertTargets(_ settings: Settings) -> [(String, JSONValue)] {
        let slackSchemes: Set<String> = settings.alertRules.allowPlainHTTPSlack ? ["http", "https"] : ["https"]
        return [
            ("email", string(FieldLimits.email, pattern: TextPatterns.email)),
            ("webhook", string(FieldLimits.alertTarget, pattern: TextPatterns.targetURL(schemes: ["http", "https"]))),
            ("slack", string(FieldLimits.alertTarget, pattern: TextPatterns.targetURL(schemes: slackSchemes))),
        ]
    }

    static func alertInput(_ settings: Settings, patch: Bool) -> JSONValue {
        let variants = alertTargets(settings).map { alert(channel: $0.0, target: $0.1, patch: patch) }
        guard patch else { return ["oneOf": .array(variants), "discriminator": ["propertyName": "channel"]] }
        let unchangedTarget = object(alertFields, description: "Fields other than the channel and target")
        return [
            "description": "Only the given fields change; `channel` and `target` change together (a target's format depends on its channel).",
            "oneOf": .array(variants + [unchangedTarget]),
        ]
    }

    static var accountRequests: [String: JSONValue] {
        [
            "RegisterRequest": object(
                [
                    "email": string(FieldLimits.email, pattern: TextPatterns.email), "password": string(FieldLimits.password),
                    "name": name(FieldLimits.accountName.upperBound),
                ], required: ["email", "password", "name"]),
            "AnonymousRequest": object(["name": string(FieldLimits.accountName, pattern: TextPatterns.line, nullable: true)]),
            "LoginRequest": object(
                ["email": string(FieldLimits.email, pattern: TextPatterns.email), "password": string(1...FieldLimits.password.upperBound)],
                required: ["email", "password"]),
            "RefreshRequest": object(["refreshToken": string(FieldLimits.refreshToken)], required: ["refreshToken"]),
            "ChangePasswordRequest": object(
                ["currentPassword": string(1...FieldLimits.password.upperBound), "newPassword": string(FieldLimits.password)],
                required: ["currentPassword", "newPassword"]),
            "DeleteAccountRequest": object(
                [
                    "confirm": string(1...64).merging(description: "The account's id (from GET /auth/me)"),
                    "password": string(1...FieldLimits.password.upperBound)
                        .merging(description: "The account's password; required unless the account is anonymous"),
                ], required: ["confirm"]),
        ]
    }
}

extension JSONValue {
    func merging(description: String) -> JSONValue {
        guard case .object(var fields) = self else { return self }
        fields["description"] = .string(description)
        return .object(fields)
    }
}
