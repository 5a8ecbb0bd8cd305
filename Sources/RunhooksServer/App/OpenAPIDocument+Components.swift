import RunhooksCore

extension OpenAPIDocument {
    static func responseString(format: String? = nil) -> JSONValue {
        format.map { ["type": "string", "format": .string($0)] } ?? ["type": "string"]
    }

    static let timestamp = responseString(format: "date-time")

    static func components(_ settings: Settings) -> JSONValue {
        let string = responseString()
        let meter: JSONValue = [
            "type": "object",
            "properties": [
                "used": ["type": "integer"], "limit": ["type": "integer"], "unlimited": ["type": "boolean"],
                "resetsAt": timestamp,
            ],
        ]
        let userSummary: JSONValue = [
            "type": "object", "required": ["id", "name", "plan", "role"],
            "properties": [
                "id": string, "email": string, "name": string, "plan": string, "role": string,
                "isAnonymous": ["type": "boolean"],
            ],
        ]
        let tokens: JSONValue = [
            "type": "object", "required": ["accessToken", "refreshToken"],
            "properties": ["accessToken": string, "refreshToken": string],
        ]
        let jobResponse: JSONValue = [
            "type": "object", "required": ["id", "name", "schedule", "httpConfig", "retryPolicy", "status", "tags", "createdAt", "updatedAt"],
            "properties": [
                "id": string, "name": string, "description": string,
                "schedule": [
                    "type": "object", "required": ["type", "expression"],
                    "properties": ["type": ["type": "string", "enum": ["cron", "interval"]], "expression": string, "timezone": string],
                ],
                "httpConfig": [
                    "type": "object", "required": ["url", "method", "timeoutMs"],
                    "properties": [
                        "url": string, "method": ["type": "string", "enum": .array(HTTPConfig.Method.allCases.map { .string($0.rawValue) })],
                        "headers": ["type": "object", "additionalProperties": string], "body": string,
                        "timeoutMs": ["type": "integer"],
                    ],
                ],
                "retryPolicy": [
                    "type": "object", "required": ["maxRetries", "initialDelay", "backoffMultiplier", "maxDelay"],
                    "properties": [
                        "maxRetries": ["type": "integer"], "initialDelay": ["type": "integer"],
                        "backoffMultiplier": ["type": "number"], "maxDelay": ["type": "integer"],
                    ],
                ],
                "status": ["type": "string", "enum": ["active", "paused", "completed", "failed"]],
                "tags": ["type": "array", "items": string], "createdAt": timestamp, "updatedAt": timestamp,
                "nextExecutionAt": ["type": ["string", "null"], "format": "date-time"],
            ],
        ]
        var schemas: [String: JSONValue] = accountRequests
        schemas.merge([
            "Error": [
                "type": "object", "required": ["success", "error"],
                "properties": ["success": ["const": false], "error": ["type": "string", "description": "`<field>: <rule>` for invalid input"]],
            ],
            "Tokens": tokens,
            "PasswordChanged": ["type": "object", "required": ["tokens"], "properties": ["tokens": tokens]],
            "Registration": [
                "type": "object", "required": ["user", "apiKey"],
                "properties": [
                    "user": userSummary, "tokens": tokens,
                    "apiKey": ["type": "string", "pattern": "^rh_live_", "description": "Shown once; only its hash is kept"],
                ],
            ],
            "Login": ["type": "object", "required": ["user", "tokens"], "properties": ["user": userSummary, "tokens": tokens]],
            "RotatedKey": [
                "type": "object", "required": ["apiKey", "apiKeyPrefix"],
                "properties": ["apiKey": ["type": "string", "pattern": "^rh_live_"], "apiKeyPrefix": string],
            ],
            "User": [
                "type": "object", "required": ["id", "name", "role", "plan", "isAnonymous", "apiKeyPrefix", "createdAt", "updatedAt"],
                "properties": [
                    "id": string, "email": string, "name": string, "role": string, "plan": string,
                    "isAnonymous": ["type": "boolean"], "apiKeyPrefix": string, "createdAt": timestamp,
                    "updatedAt": timestamp,
                ],
            ],
            "Schedule": [
                "oneOf": [ref("CronSchedule"), ref("IntervalSchedule")],
                "discriminator": [
                    "propertyName": "type",
                    "mapping": ["cron": "#/components/schemas/CronSchedule", "interval": "#/components/schemas/IntervalSchedule"],
                ],
            ],
            "CronSchedule": cronSchedule(settings),
            "IntervalSchedule": intervalSchedule(settings),
            "JobInput": object(jobFields(settings, patch: false), required: ["name", "schedule", "httpConfig"]),
            "JobPatch": object(
                jobFields(settings, patch: true),
                description: """
                    Only the given fields change; `httpConfig` and `retryPolicy` merge key by key, `schedule` is                     replaced whole, `null` clears an optional field. Read-only fields of a Job (id, createdAt, …)                     may be sent back as read and are ignored.
                    """),
            "Job": jobResponse,
                "Execution": [
                    "type": "object",
                    "properties": [
                        "id": string, "jobId": string, "status": executionStatus, "scheduledFor": timestamp,
                        "startedAt": timestamp, "completedAt": timestamp, "durationMs": ["type": "integer"],
                        "httpStatusCode": ["type": "integer"], "responseBody": string, "error": string,
                        "attempt": ["type": "integer"], "replayOf": string, "missedSlots": ["type": "integer"],
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
                "AlertInput": alertInput(settings, patch: false),
                "AlertPatch": alertInput(settings, patch: true),
                "Alert": [
                    "type": "object",
                    "required": [
                        "id", "userId", "name", "channel", "target", "consecutiveFailuresThreshold", "cooldownMinutes",
                        "enabled", "createdAt", "updatedAt",
                    ],
                    "properties": [
                        "id": string, "userId": string, "name": string,
                        "channel": ["type": "string", "enum": ["email", "webhook", "slack"]], "target": string,
                        "jobId": ["type": ["string", "null"]], "consecutiveFailuresThreshold": ["type": "integer"],
                        "cooldownMinutes": ["type": "integer"], "enabled": ["type": "boolean"], "createdAt": timestamp,
                        "updatedAt": timestamp,
                    ],
                ],
                "AlertDelivery": [
                    "type": "object",
                    "properties": [
                        "id": string, "alertId": string, "jobId": string,
                        "channel": ["type": "string", "enum": ["email", "webhook", "slack"]],
                        "notice": ["type": "string", "enum": ["failure", "recovery"]],
                        "status": ["type": "string", "enum": ["sent", "failed"]], "error": string,
                        "attempts": ["type": "integer"], "createdAt": timestamp,
                    ],
                ],
                "SchedulePreviewRequest": [
                    "type": "object", "required": ["schedule"], "additionalProperties": false,
                    "properties": [
                        "schedule": ref("Schedule"),
                        "count": ["type": ["integer", "null"], "minimum": 1, "maximum": .number(Double(SchedulePreview.maxCount)), "default": 5],
                    ],
                ],
                "SchedulePreview": [
                    "type": "object", "required": ["timezone", "nextRuns"],
                    "properties": [
                        "timezone": string,
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
                "RunRequest": [
                    "type": "object",
                    "description": """
                        A run requested by "run now" or a replay. The run is recorded as the execution \
                        `executionId` (`GET /executions/{id}` answers 404 until it starts, at once unless the \
                        account's concurrency limit holds it); a request made twice with one `Idempotency-Key` is one run.
                        """,
                    "required": ["executionId", "jobId", "requestedAt"],
                    "properties": [
                        "executionId": string, "jobId": string, "requestedAt": timestamp,
                        "replayOf": ["type": "string", "description": "The execution replayed (absent for a run now)"],
                    ],
                ],
                "WebhookSecret": [
                    "type": "object",
                    "description": """
                        The account's Standard Webhooks signing secret. Every delivery (job requests and webhook \
                        alerts) carries `webhook-id`, `webhook-timestamp` and `webhook-signature` (one `v1,<base64>` \
                        HMAC-SHA256 over `id.timestamp.body` per active secret: the current one, and each secret a \
                        rotation replaced for 24 hours after that rotation, up to four beside `previous`).
                        """,
                    "required": ["secret", "createdAt", "previous", "older"],
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
                        "older": [
                            "type": "array",
                            "description": "Secrets replaced before `previous` that still sign, newest first.",
                            "items": [
                                "type": "object", "required": ["secret", "expiresAt"],
                                "properties": [
                                    "secret": ["type": "string", "pattern": "^whsec_[A-Za-z0-9+/]+={0,2}$"],
                                    "expiresAt": timestamp,
                                ],
                            ],
                        ],
                    ],
                ],
                "Usage": [
                    "type": "object",
                    "properties": [
                        "plan": string,
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
                        "status": ["type": "string", "enum": ["ok", "degraded"]], "version": string,
                        "uptime": ["type": "integer"], "timestamp": timestamp,
                        "services": ["type": "object", "additionalProperties": ["type": "object"]],
                    ],
                ],
        ]) { _, new in new }
        return [
            "securitySchemes": [
                "bearer": ["type": "http", "scheme": "bearer", "description": "An API key (rh_live_…) or a JWT access token"]
            ],
            "schemas": .object(schemas),
        ]
    }
}
