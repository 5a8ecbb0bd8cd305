import RunhooksCore

/// The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`.
enum OpenAPIDocument {
    static func make(version: String) -> JSONValue {
        [
            "openapi": "3.1.0",
            "info": [
                "title": "Runhooks API", "version": .string(version),
                "description": "Scheduled HTTP webhooks: jobs on cron or interval schedules, executions, replays, alerts.",
            ],
            "servers": [["url": "/api/v1"]],
            "security": [["bearer": []]],
            "components": components,
            "paths": paths,
        ]
    }

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    static func envelope(_ data: JSONValue) -> JSONValue {
        [
            "type": "object", "required": ["success"],
            "properties": ["success": ["type": "boolean"], "message": ["type": "string"], "data": data],
        ]
    }

    static func paged(_ item: String) -> JSONValue {
        envelope([
            "type": "object",
            "properties": [
                "data": ["type": "array", "items": ref(item)], "total": ["type": "integer"],
                "page": ["type": "integer"], "limit": ["type": "integer"], "totalPages": ["type": "integer"],
            ],
        ])
    }

    static func json(_ schema: JSONValue, _ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": schema]]]
    }

    static func errors(_ codes: [Int]) -> [String: JSONValue] {
        let meanings = [
            400: "Invalid input; the message names the field", 401: "Missing or invalid credentials",
            403: "Beyond the plan's limits", 404: "Not found or not yours",
            409: "Conflict: already exists, changed by another request meanwhile, or the same Idempotency-Key still in progress",
            413: "Request body too large", 422: "Idempotency-Key already used with a different request",
            429: "Rate limit exceeded", 502: "The owning node dropped the forwarded request; it may have been applied",
            503: "Store or owning node unavailable; retry after Retry-After",
            504: "The owning node did not answer in time; the request may have been applied",
        ]
        var responses: [String: JSONValue] = [:]
        for code in codes { responses[String(code)] = json(ref("Error"), meanings[code] ?? "Error") }
        return responses
    }

    static func operation(
        _ summary: String, tag: String, public isPublic: Bool = false, parameters: [JSONValue] = [],
        body: String? = nil, ok: (Int, JSONValue, String), errors codes: [Int] = [400, 401, 404, 429],
        idempotent: Bool = false
    ) -> JSONValue {
        var parameters = parameters
        var codes = codes
        if idempotent {
            parameters.append(idempotencyKey)
            codes += [409, 422]
        }
        var responses = errors(codes)
        responses[String(ok.0)] = json(ok.1, ok.2)
        var operation: [String: JSONValue] = [
            "summary": .string(summary), "tags": [.string(tag)], "responses": .object(responses),
        ]
        if isPublic { operation["security"] = [] }
        if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
        if let body { operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": ref(body)]]] }
        return .object(operation)
    }

    static func query(_ name: String, _ schema: JSONValue, _ description: String) -> JSONValue {
        ["name": .string(name), "in": "query", "required": false, "schema": schema, "description": .string(description)]
    }

    /// The optional `Idempotency-Key` header of the POSTs that create or change something.
    static let idempotencyKey: JSONValue = [
        "name": "Idempotency-Key", "in": "header", "required": false,
        "schema": ["type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7E]+$"],
        "description": """
            Makes a retry safe: the first request with a key runs, and for 24 hours a repeat with the same key \
            and the same request (method, path, JSON body) gets the first response again (status and body, with \
            `Idempotent-Replayed: true`) without the work being done twice, on any node. The same key with a \
            different request is 422; a repeat while the first still runs is 409. Keys are per user. Responses \
            with a 5xx or 429 status are not kept.
            """,
    ]

    static let idParameter: JSONValue = [
        "name": "id", "in": "path", "required": true, "schema": ["type": "string", "pattern": "^[0-9a-f]{24}$"],
    ]
    static let pageParameters: [JSONValue] = [
        query("page", ["type": "integer", "minimum": 1, "default": 1], "Page number"),
        query("limit", ["type": "integer", "minimum": 1, "maximum": 100, "default": 20], "Results per page"),
    ]
    static let executionStatus: JSONValue = [
        "type": "string", "enum": .array(Execution.Status.allCases.map { .string($0.rawValue) }),
    ]

    static var paths: JSONValue {
        [
            "/auth/register": [
                "post": operation(
                    "Create a full account", tag: "Account", public: true, body: "RegisterRequest",
                    ok: (201, envelope(ref("Registration")), "Account created"), errors: [400, 409, 413, 429])
            ],
            "/auth/register-anonymous": [
                "post": operation(
                    "Create an anonymous account", tag: "Account", public: true, body: "AnonymousRequest",
                    ok: (201, envelope(ref("Registration")), "Account created"), errors: [400, 413, 429])
            ],
            "/auth/login": [
                "post": operation(
                    "Sign in", tag: "Account", public: true, body: "LoginRequest",
                    ok: (200, envelope(ref("Login")), "Signed in"), errors: [400, 401, 429])
            ],
            "/auth/refresh": [
                "post": operation(
                    "Rotate a refresh token", tag: "Account", public: true, body: "RefreshRequest",
                    ok: (200, envelope(ref("Tokens")), "New tokens"), errors: [400, 401, 429])
            ],
            "/auth/me": ["get": operation("The caller's profile", tag: "Account", ok: (200, envelope(ref("User")), "Profile"))],
            "/auth/rotate-key": [
                "post": operation(
                    "Replace the API key", tag: "Account",
                    ok: (200, envelope(["type": "object", "properties": ["apiKey": ["type": "string"], "apiKeyPrefix": ["type": "string"]]]), "New key"),
                    idempotent: true)
            ],
            "/jobs": [
                "post": operation(
                    "Create a job", tag: "Jobs", body: "JobInput", ok: (201, envelope(ref("Job")), "Job created"),
                    errors: [400, 401, 403, 413, 429], idempotent: true),
                "get": operation(
                    "List jobs", tag: "Jobs",
                    parameters: pageParameters + [
                        query("status", ["type": "string", "enum": ["active", "paused", "completed", "failed"]], "Filter by status"),
                        query("tag", ["type": "string", "maxLength": 50], "Filter by tag"),
                        query("name", ["type": "string", "maxLength": 100], "Case-insensitive regular expression on the name"),
                    ], ok: (200, paged("Job"), "A page of jobs")),
            ],
            "/jobs/{id}": [
                "get": operation("Get a job", tag: "Jobs", parameters: [idParameter], ok: (200, envelope(ref("Job")), "The job")),
                "patch": operation(
                    "Update a job (only the given fields)", tag: "Jobs", parameters: [idParameter], body: "JobPatch",
                    ok: (200, envelope(ref("Job")), "Updated"), errors: [400, 401, 403, 404, 409, 413, 429]),
                "put": operation(
                    "Update a job (same as PATCH)", tag: "Jobs", parameters: [idParameter], body: "JobPatch",
                    ok: (200, envelope(ref("Job")), "Updated"), errors: [400, 401, 403, 404, 409, 413, 429]),
                "delete": operation(
                    "Delete a job", tag: "Jobs", parameters: [idParameter], ok: (200, envelope(["type": "null"]), "Deleted")),
            ],
            "/jobs/{id}/trigger": [
                "post": operation(
                    "Run a job now, as a new run", tag: "Jobs", parameters: [idParameter],
                    ok: (202, envelope(["type": "null"]), "Run enqueued"), idempotent: true)
            ],
            "/jobs/{id}/executions": [
                "get": operation(
                    "List a job's executions", tag: "Jobs",
                    parameters: [idParameter] + pageParameters + [query("status", executionStatus, "Filter by status")],
                    ok: (200, paged("Execution"), "A page of executions"))
            ],
            "/executions": [
                "get": operation(
                    "List executions across jobs", tag: "Executions",
                    parameters: pageParameters + [
                        query("status", executionStatus, "Filter by status"),
                        query("jobId", ["type": "string", "pattern": "^[0-9a-f]{24}$"], "Filter by one of your jobs"),
                    ], ok: (200, paged("Execution"), "A page of executions"))
            ],
            "/executions/{id}/replay": [
                "post": operation(
                    "Replay an execution", tag: "Executions", parameters: [idParameter],
                    ok: (202, envelope(["type": "null"]), "Replay enqueued"), idempotent: true)
            ],
            "/alerts": [
                "post": operation(
                    "Create an alert config", tag: "Alerts", body: "AlertInput",
                    ok: (201, envelope(ref("Alert")), "Created"), errors: [400, 401, 403, 413, 429], idempotent: true),
                "get": operation(
                    "List alert configs (not paginated)", tag: "Alerts",
                    ok: (200, envelope(["type": "array", "items": ref("Alert")]), "All alert configs")),
            ],
            "/alerts/{id}": [
                "get": operation("Get an alert config", tag: "Alerts", parameters: [idParameter], ok: (200, envelope(ref("Alert")), "The alert")),
                "put": operation(
                    "Update an alert config (only the given fields)", tag: "Alerts", parameters: [idParameter],
                    body: "AlertPatch", ok: (200, envelope(ref("Alert")), "Updated"), errors: [400, 401, 404, 409, 429]),
                "delete": operation(
                    "Delete an alert config", tag: "Alerts", parameters: [idParameter], ok: (200, envelope(["type": "null"]), "Deleted")),
            ],
            "/alerts/{id}/deliveries": [
                "get": operation(
                    "List an alert's notices", tag: "Alerts", parameters: [idParameter] + pageParameters,
                    ok: (200, paged("AlertDelivery"), "A page of notices"))
            ],
            "/webhook-secret": [
                "get": operation(
                    "The account's webhook signing secret", tag: "Account",
                    ok: (200, envelope(ref("WebhookSecret")), "The current secret, and the previous one until it expires"))
            ],
            "/webhook-secret/rotate": [
                "post": operation(
                    "Replace the webhook signing secret (the previous one keeps signing for 24 hours)", tag: "Account",
                    ok: (200, envelope(ref("WebhookSecret")), "The new secret and the previous one"), idempotent: true)
            ],
            "/schedules/preview": [
                "post": operation(
                    "The next runs of a schedule (as a job created now would have them)", tag: "Jobs",
                    body: "SchedulePreviewRequest", ok: (200, envelope(ref("SchedulePreview")), "The next runs"),
                    errors: [400, 401, 413, 429])
            ],
            "/usage/me": ["get": operation("Plan, limits and usage", tag: "Usage", ok: (200, envelope(ref("Usage")), "Usage"))],
            "/health": [
                "get": operation(
                    "Service health", tag: "Health", public: true, ok: (200, envelope(ref("Health")), "Healthy"),
                    errors: [429, 503])
            ],
            "/openapi.json": [
                "get": operation(
                    "This document", tag: "Health", public: true, ok: (200, ["type": "object"], "OpenAPI 3.1 document"),
                    errors: [429])
            ],
        ]
    }
}
