import RunhooksCore
import RunhooksStore

/// The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`. Request schemas
/// are built from the rules validation enforces (`JobRules`, `AlertRules`, the patterns in
/// `TextPatterns` and `CronPattern`), so the document follows the server's own settings.
enum OpenAPIDocument {
    struct Settings {
        var version: String
        var jobRules: JobRules
        var alertRules: AlertRules
    }

    static func make(_ settings: Settings) -> JSONValue {
        [
            "openapi": "3.1.0",
            "info": [
                "title": "Runhooks API", "version": .string(settings.version),
                "description": """
                    Scheduled HTTP webhooks: jobs on cron or interval schedules, executions, replays, alerts. \
                    Every answer is a JSON envelope: `{"success": true, "data": …, "message": …}` or \
                    `{"success": false, "error": "<field>: <what is wrong>"}`. A request body may hold only the \
                    fields described, each once; a list's query, only the parameters described, each once \
                    (anything else is a 400 that names it, never ignored). A known path with a method it \
                    does not serve answers 405 with `Allow`; `OPTIONS` answers 204 with `Allow`; `HEAD` \
                    answers like `GET` without a body. Every delivery to a job's target and every webhook \
                    alert is signed (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`; \
                    see `GET /webhook-secret`).
                    """,
            ],
            "servers": [["url": "/api/v1"]],
            "security": [["bearer": []]],
            "components": components(settings),
            "paths": paths,
            "webhooks": webhooks,
        ]
    }

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    /// The answer of an operation that returns no data, only a message.
    static let messageEnvelope: JSONValue = [
        "type": "object", "required": ["success", "message"],
        "properties": ["success": ["const": true], "message": ["type": "string"]],
    ]

    static func envelope(_ data: JSONValue) -> JSONValue {
        [
            "type": "object", "required": ["success", "data"],
            "properties": ["success": ["const": true], "message": ["type": "string"], "data": data],
        ]
    }

    static func paged(_ item: String) -> JSONValue {
        envelope([
            "type": "object", "required": ["data", "total", "page", "limit", "totalPages"],
            "properties": [
                "data": ["type": "array", "items": ref(item)], "total": ["type": "integer", "minimum": 0],
                "page": ["type": "integer", "minimum": 1], "limit": ["type": "integer", "minimum": 1],
                "totalPages": ["type": "integer", "minimum": 0],
            ],
        ])
    }

    static let rateLimitHeaders: [String: JSONValue] = [
        "RateLimit-Policy": [
            "description": "The limit that applies (IETF draft-7), e.g. `60;w=60`; present when rate limits are on",
            "schema": ["type": "string"],
        ],
        "RateLimit": [
            "description": "What is left of it (IETF draft-7), e.g. `limit=60, remaining=59, reset=42`",
            "schema": ["type": "string"],
        ],
    ]

    static let retryAfter: JSONValue = [
        "description": "Seconds to wait before retrying", "required": true,
        "schema": ["type": "string", "pattern": "^[0-9]+$"],
    ]

    static func json(_ schema: JSONValue, _ description: String, headers: [String: JSONValue] = rateLimitHeaders) -> JSONValue {
        ["description": .string(description), "headers": .object(headers), "content": ["application/json": ["schema": schema]]]
    }

    static let meanings = [
        400: "Invalid input; the message names the field and the rule",
        401: "Missing or invalid credentials",
        403: "Beyond the plan's limits (the message names the limit)",
        404: "Not found, or not yours",
        409: """
            Conflict: the email is taken, the job was changed by another request meanwhile, an alert names \
            a job the account does not have, or the Idempotency-Key is still in progress or was used with a \
            different request
            """,
        413: "Request body larger than 3 MB",
        415: "The body is not `application/json`",
        429: "Rate limit exceeded; retry after `Retry-After` seconds",
        502: "The node owning the account dropped the forwarded request; it may have been applied",
        503: "Store or owning node unavailable; retry after `Retry-After` seconds when given",
        504: "The node owning the account did not answer in time; the request may have been applied",
    ]

    static func errors(_ codes: [Int]) -> [String: JSONValue] {
        var responses: [String: JSONValue] = [:]
        for code in Set(codes) {
            var headers = rateLimitHeaders
            if code == 429 { headers["Retry-After"] = retryAfter }
            if code == 503 {
                headers["Retry-After"] = ["description": "Seconds to wait before retrying", "schema": ["type": "string"]]
            }
            responses[String(code)] = json(ref("Error"), meanings[code] ?? "Error", headers: headers)
        }
        return responses
    }

    struct Operation {
        var id: String
        var summary: String
        var tag: String
        var isPublic = false
        var parameters: [JSONValue] = []
        var body: String?
        var bodyRequired = true
        var ok: (Int, JSONValue, String)
        var errors: [Int] = []
        var idempotent = false
        var links: [String: JSONValue] = [:]
        var description: String?

        var json: JSONValue {
            var parameters = parameters
            // Every route can be refused by the rate limiter, and every authenticated one can be
            // forwarded to the owning node in a cluster (502/503/504).
            var codes = errors + [429, 503]
            if !isPublic { codes += [401, 502, 504] }
            if body != nil { codes += [413, 415] }
            if idempotent {
                parameters.append(OpenAPIDocument.idempotencyKey)
                codes += [409]
            }
            if !parameters.isEmpty || body != nil { codes.append(400) }
            var responses = OpenAPIDocument.errors(codes)
            var success = OpenAPIDocument.json(ok.1, ok.2)
            if !links.isEmpty, case .object(var fields) = success {
                fields["links"] = .object(links)
                success = .object(fields)
            }
            responses[String(ok.0)] = success
            var operation: [String: JSONValue] = [
                "operationId": .string(id), "summary": .string(summary), "tags": [.string(tag)],
                "responses": .object(responses),
            ]
            if let description { operation["description"] = .string(description) }
            if isPublic { operation["security"] = [] }
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            if let body {
                operation["requestBody"] = [
                    "required": .bool(bodyRequired),
                    "content": ["application/json": ["schema": OpenAPIDocument.ref(body)]],
                ]
            }
            return .object(operation)
        }
    }

    static func query(_ name: String, _ schema: JSONValue, _ description: String) -> JSONValue {
        ["name": .string(name), "in": "query", "required": false, "schema": schema, "description": .string(description)]
    }

    /// The optional `Idempotency-Key` header of the POSTs that create or change something.
    static let idempotencyKey: JSONValue = [
        "name": "Idempotency-Key", "in": "header", "required": false,
        "schema": [
            "type": "string", "minLength": .number(Double(IdempotencyMiddleware.keyLengths.lowerBound)),
            "maxLength": .number(Double(IdempotencyMiddleware.keyLengths.upperBound)), "pattern": "^[\\x21-\\x7E]+$",
        ],
        "description": """
            16 to 255 visible ASCII characters (a UUID is a good choice). Makes a retry safe: the first request with a key runs, and for 24 hours a repeat with the same key \
            and the same request (method, path, JSON body) gets the first response again (status and body, with \
            `Idempotent-Replayed: true`) without the work being done twice, on any node. The same key with a \
            different request is 409, and so is a repeat while the first still runs. Keys are per user. \
            Responses with a 5xx or 429 status are not kept.
            """,
    ]

    static let idParameter: JSONValue = [
        "name": "id", "in": "path", "required": true, "schema": ["type": "string", "pattern": "^[0-9a-f]{24}$"],
    ]
    static let pageParameters: [JSONValue] = [
        query(
            "page",
            ["type": "integer", "minimum": 1, "maximum": .number(Double(PageRequest.pages.upperBound)), "default": 1],
            "Page number"),
        query(
            "limit", ["type": "integer", "minimum": 1, "maximum": .number(Double(PageRequest.maxLimit)), "default": 20],
            "Results per page"),
    ]
    static let executionStatus: JSONValue = [
        "type": "string", "enum": .array(Execution.Status.allCases.map { .string($0.rawValue) }),
    ]
}
