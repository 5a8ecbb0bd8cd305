import RunhooksCore

extension OpenAPIDocument {
    static func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "object", "properties": .object(properties), "additionalProperties": false]
        if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
        return .object(schema)
    }

    static func string(_ min: Int? = nil, _ max: Int? = nil, format: String? = nil) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "string"]
        if let min { schema["minLength"] = .number(Double(min)) }
        if let max { schema["maxLength"] = .number(Double(max)) }
        if let format { schema["format"] = .string(format) }
        return .object(schema)
    }

    static func integer(_ min: Int, _ max: Int) -> JSONValue {
        ["type": "integer", "minimum": .number(Double(min)), "maximum": .number(Double(max))]
    }

    static let timestamp = string(format: "date-time")

    static var schedule: JSONValue {
        object(
            [
                "type": ["type": "string", "enum": ["cron", "interval"]],
                "expression": ["type": "string", "description": "Cron expression (5 fields) or interval in ms as digits"],
                "timezone": ["type": "string", "description": "IANA time zone (cron only)"],
            ], required: ["type", "expression"])
    }

    static var httpConfig: JSONValue {
        object(
            [
                "url": string(1, 2048, format: "uri"),
                "method": ["type": "string", "enum": .array(HTTPConfig.Method.allCases.map { .string($0.rawValue) })],
                "headers": ["type": "object", "additionalProperties": ["type": "string"]],
                "body": ["type": "string", "description": "At most 1 MB"],
                "timeoutMs": integer(1000, 300_000),
            ], required: ["url"])
    }

    static var retryPolicy: JSONValue {
        object([
            "maxRetries": integer(0, 10), "initialDelay": integer(100, 60_000),
            "backoffMultiplier": ["type": "number", "minimum": 1, "maximum": 10], "maxDelay": integer(1000, 3_600_000),
        ])
    }

    static var jobFields: [String: JSONValue] {
        [
            "name": string(1, 255), "description": string(nil, 2000), "schedule": schedule, "httpConfig": httpConfig,
            "retryPolicy": retryPolicy, "status": ["type": "string", "enum": ["active", "paused"]],
            "tags": ["type": "array", "maxItems": 20, "items": string(1, 50)],
        ]
    }

    static var alertFields: [String: JSONValue] {
        [
            "name": string(1, 100), "channel": ["type": "string", "enum": ["email", "webhook", "slack"]],
            "target": string(1, 500), "jobId": ["type": ["string", "null"], "pattern": "^[0-9a-f]{24}$"],
            "consecutiveFailuresThreshold": integer(1, 100), "cooldownMinutes": integer(0, 10_080),
            "enabled": ["type": "boolean"],
        ]
    }

    static var components: JSONValue {
        let meter: JSONValue = [
            "type": "object",
            "properties": [
                "used": ["type": "integer"], "limit": ["type": "integer"], "unlimited": ["type": "boolean"],
                "resetsAt": timestamp,
            ],
        ]
        let userSummary: JSONValue = [
            "type": "object",
            "properties": [
                "id": string(), "email": string(), "name": string(), "plan": string(), "role": string(),
                "isAnonymous": ["type": "boolean"],
            ],
        ]
        let tokens: JSONValue = [
            "type": "object", "properties": ["accessToken": string(), "refreshToken": string()],
        ]
        return [
            "securitySchemes": [
                "bearer": ["type": "http", "scheme": "bearer", "description": "An API key (rh_live_…) or a JWT access token"]
            ],
            "schemas": [
                "Error": ["type": "object", "properties": ["success": ["const": false], "error": string()]],
                "RegisterRequest": object(
                    ["email": string(nil, 254, format: "email"), "password": string(8, 128), "name": string(1, 255)],
                    required: ["email", "password", "name"]),
                "AnonymousRequest": object(["name": string(1, 255)]),
                "LoginRequest": object(["email": string(format: "email"), "password": string()], required: ["email", "password"]),
                "RefreshRequest": object(["refreshToken": string()], required: ["refreshToken"]),
                "Tokens": tokens,
                "Registration": ["type": "object", "properties": ["user": userSummary, "tokens": tokens, "apiKey": string()]],
                "Login": ["type": "object", "properties": ["user": userSummary, "tokens": tokens]],
                "User": [
                    "type": "object",
                    "properties": [
                        "id": string(), "email": string(), "name": string(), "role": string(), "plan": string(),
                        "isAnonymous": ["type": "boolean"], "apiKeyPrefix": string(), "createdAt": timestamp,
                        "updatedAt": timestamp,
                    ],
                ],
                "JobInput": object(jobFields, required: ["name", "schedule", "httpConfig"]),
                "JobPatch": object(jobFields),
                "Job": [
                    "type": "object",
                    "properties": .object(
                        jobFields.merging([
                            "id": string(), "createdAt": timestamp, "updatedAt": timestamp,
                            "status": ["type": "string", "enum": ["active", "paused", "completed", "failed"]],
                            "nextExecutionAt": ["type": ["string", "null"], "format": "date-time"],
                        ]) { _, new in new }),
                ],
                "Execution": [
                    "type": "object",
                    "properties": [
                        "id": string(), "jobId": string(), "status": executionStatus, "scheduledFor": timestamp,
                        "startedAt": timestamp, "completedAt": timestamp, "durationMs": ["type": "integer"],
                        "httpStatusCode": ["type": "integer"], "responseBody": string(), "error": string(),
                        "attempt": ["type": "integer"], "replayOf": string(), "missedSlots": ["type": "integer"],
                        "createdAt": timestamp,
                        "timing": [
                            "type": "object",
                            "description": """
                                Where the attempt's time went, in ms (present once it was sent): DNS resolution, TCP \
                                connect, TLS handshake, from the request written to the first byte of the answer, and \
                                the whole attempt. A phase that did not happen is null (no DNS for an address literal, \
                                no connect or TLS on a reused connection, no first byte after a timeout).
                                """,
                            "required": ["dnsMs", "connectMs", "tlsMs", "firstByteMs", "totalMs"],
                            "properties": [
                                "dnsMs": ["type": ["number", "null"], "minimum": 0],
                                "connectMs": ["type": ["number", "null"], "minimum": 0],
                                "tlsMs": ["type": ["number", "null"], "minimum": 0],
                                "firstByteMs": ["type": ["number", "null"], "minimum": 0],
                                "totalMs": ["type": "number", "minimum": 0],
                            ],
                        ],
                        "lateMs": [
                            "type": "number", "minimum": 0,
                            "description": "Send time minus the time the attempt was due (its slot, its retry time, or the replay request), in ms",
                        ],
                    ],
                ],
                "AlertInput": object(alertFields, required: ["name", "channel", "target"]),
                "AlertPatch": object(alertFields),
                "Alert": [
                    "type": "object",
                    "properties": .object(
                        alertFields.merging([
                            "id": string(), "userId": string(), "createdAt": timestamp, "updatedAt": timestamp,
                        ]) { _, new in new }),
                ],
                "AlertDelivery": [
                    "type": "object",
                    "properties": [
                        "id": string(), "alertId": string(), "jobId": string(),
                        "channel": ["type": "string", "enum": ["email", "webhook", "slack"]],
                        "notice": ["type": "string", "enum": ["failure", "recovery"]],
                        "status": ["type": "string", "enum": ["sent", "failed"]], "error": string(),
                        "attempts": ["type": "integer"], "createdAt": timestamp,
                    ],
                ],
                "SchedulePreviewRequest": [
                    "type": "object", "required": ["schedule"], "additionalProperties": false,
                    "properties": [
                        "schedule": ["$ref": "#/components/schemas/JobInput/properties/schedule"],
                        "count": ["type": "integer", "minimum": 1, "maximum": 20, "default": 5],
                    ],
                ],
                "SchedulePreview": [
                    "type": "object", "required": ["timezone", "nextRuns"],
                    "properties": [
                        "timezone": string(),
                        "nextRuns": [
                            "type": "array",
                            "items": [
                                "type": "object", "required": ["at", "local"],
                                "properties": [
                                    "at": timestamp,
                                    "local": ["type": "string", "description": "Wall-clock time in the schedule's zone, with its UTC offset"],
                                ],
                            ],
                        ],
                    ],
                ],
                "WebhookSecret": [
                    "type": "object",
                    "description": """
                        The account's Standard Webhooks signing secret. Every delivery (job requests and webhook \
                        alerts) carries `webhook-id`, `webhook-timestamp` and `webhook-signature` (one `v1,<base64>` \
                        HMAC-SHA256 over `id.timestamp.body` per active secret: the current one, and the previous one \
                        until it expires).
                        """,
                    "required": ["secret", "createdAt", "previous"],
                    "properties": [
                        "secret": ["type": "string", "pattern": "^whsec_[A-Za-z0-9+/]+={0,2}$"],
                        "createdAt": timestamp,
                        "previous": [
                            "oneOf": [
                                ["type": "null"],
                                [
                                    "type": "object", "required": ["secret", "expiresAt"],
                                    "properties": [
                                        "secret": ["type": "string", "pattern": "^whsec_[A-Za-z0-9+/]+={0,2}$"],
                                        "expiresAt": timestamp,
                                    ],
                                ],
                            ]
                        ],
                    ],
                ],
                "Usage": [
                    "type": "object",
                    "properties": [
                        "plan": string(),
                        "limits": [
                            "type": "object",
                            "properties": [
                                "maxJobs": ["type": "integer"], "maxDailyRuns": ["type": "integer"],
                                "maxMonthlyRuns": ["type": "integer"], "maxRetries": ["type": "integer"],
                                "maxRequestTimeoutMs": ["type": "integer"], "maxAlertConfigs": ["type": "integer"],
                                "retentionDays": ["type": "integer"], "concurrency": ["type": "integer"],
                            ],
                        ],
                        "usage": [
                            "type": "object",
                            "properties": ["jobs": meter, "dailyRuns": meter, "monthlyRuns": meter, "alertConfigs": meter],
                        ],
                    ],
                ],
                "Health": [
                    "type": "object",
                    "properties": [
                        "status": ["type": "string", "enum": ["ok", "degraded"]], "version": string(),
                        "uptime": ["type": "integer"], "timestamp": timestamp,
                        "services": ["type": "object", "additionalProperties": ["type": "object"]],
                    ],
                ],
            ],
        ]
    }
}
