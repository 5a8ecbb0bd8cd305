import RunhooksCore
import RunhooksEngine

/// OpenAPI 3.1 `webhooks`: the requests Runhooks sends (job deliveries and webhook alerts), with
/// the Standard Webhooks signature headers a receiver verifies.
extension OpenAPIDocument {
    static func header(_ description: String, pattern: String? = nil) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "string"]
        if let pattern { schema["pattern"] = .string(pattern) }
        return ["in": "header", "required": true, "description": .string(description), "schema": .object(schema)]
    }

    static var signatureHeaders: [JSONValue] {
        [
            header(
                "Standard Webhooks message id: the same for every attempt of a slot (retries, replays)",
                pattern: "^msg_[0-9a-f]{32}$").merging(name: "webhook-id"),
            header("Unix seconds when the request was written", pattern: "^[0-9]+$").merging(name: "webhook-timestamp"),
            header(
                "Space-separated `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per active secret (GET /webhook-secret)",
                pattern: "^v1,[A-Za-z0-9+/]+={0,2}( v1,[A-Za-z0-9+/]+={0,2})*$"
            ).merging(name: "webhook-signature"),
        ]
    }

    static var webhooks: JSONValue {
        let jobHeaders: [JSONValue] = signatureHeaders + [
            header("The job's id").merging(name: "Runhooks-Job-Id"),
            header("The execution this attempt records").merging(name: "Runhooks-Execution-Id"),
            header("1 for the first attempt of a run, then 2, 3… for retries", pattern: "^[1-9][0-9]*$").merging(name: "Runhooks-Attempt"),
            header("The slot this run belongs to, ISO 8601 UTC with milliseconds").merging(name: "Runhooks-Scheduled-At"),
            header("`\(Dispatcher.userAgent)`").merging(name: "User-Agent"),
        ]
        let alertNotice: JSONValue = [
            "type": "object", "required": ["event", "alert", "job", "consecutiveFailures", "lastExecution", "links"],
            "properties": [
                "event": ["type": "string", "enum": ["alert.failure", "alert.recovery"]],
                "alert": ["type": "object", "properties": ["id": ["type": "string"], "name": ["type": "string"]]],
                "job": [
                    "type": "object",
                    "properties": [
                        "id": ["type": "string"], "name": ["type": "string"], "url": ["type": "string"], "method": ["type": "string"],
                    ],
                ],
                "consecutiveFailures": ["type": "integer", "minimum": 0],
                "lastExecution": [
                    "type": "object",
                    "properties": [
                        "id": ["type": "string"], "status": executionStatus, "attempt": ["type": "integer"],
                        "scheduledFor": timestamp, "httpStatusCode": ["type": "integer"], "error": ["type": "string"],
                        "completedAt": timestamp,
                    ],
                ],
                "links": ["type": "object", "additionalProperties": ["type": "string"]],
            ],
        ]
        return [
            "jobDelivery": [
                "post": [
                    "summary": "A job's request to its target (its own method, headers and body; POST shown)",
                    "description": """
                        Sent at each slot, retry and replay with the job's method, URL, headers and body, plus the \
                        headers below. A 2xx answer is a success; anything else, a timeout or a network error is \
                        retried by the job's retry policy (`Retry-After` is honoured, up to an hour). Verify the \
                        signature before trusting the request (docs/SIGNING.md).
                        """,
                    "parameters": .array(jobHeaders),
                    "requestBody": ["required": false, "content": ["*/*": ["schema": ["type": "string"]]]],
                    "responses": ["2XX": ["description": "Success; the first 64 KiB of the answer is recorded"]],
                ]
            ],
            "alertNotice": [
                "post": [
                    "summary": "A webhook alert's notice (the `webhook` channel)",
                    "parameters": .array(signatureHeaders),
                    "requestBody": ["required": true, "content": ["application/json": ["schema": alertNotice]]],
                    "responses": ["2XX": ["description": "Received; anything else is retried and then recorded as failed"]],
                ]
            ],
        ]
    }
}

extension JSONValue {
    func merging(name: String) -> JSONValue {
        guard case .object(var fields) = self else { return self }
        fields["name"] = .string(name)
        return .object(fields)
    }
}
