import RunhooksCore

extension OpenAPIDocument {
    /// A link handing a created resource's id (`data.id` of the answer) to another operation.
    static func link(_ operationId: String, _ parameters: [String: String], _ description: String) -> JSONValue {
        [
            "operationId": .string(operationId), "description": .string(description),
            "parameters": .object(parameters.mapValues { .string($0) }),
        ]
    }

    static var jobLinks: [String: JSONValue] {
        let id = ["id": "$response.body#/data/id"]
        return [
            "GetJob": link("getJob", id, "The job just created"),
            "UpdateJob": link("updateJob", id, "Change some of its fields"),
            "ReplaceJob": link("replaceJob", id, "Change some of its fields (PUT)"),
            "DeleteJob": link("deleteJob", id, "Delete it"),
            "TriggerJob": link("triggerJob", id, "Run it now"),
            "ListJobExecutions": link("listJobExecutions", id, "Its executions"),
            "ListExecutionsOfJob": link("listExecutions", ["jobId": "$response.body#/data/id"], "Its executions, across jobs"),
        ]
    }

    static var alertLinks: [String: JSONValue] {
        let id = ["id": "$response.body#/data/id"]
        return [
            "GetAlert": link("getAlert", id, "The alert just created"),
            "UpdateAlert": link("updateAlert", id, "Change some of its fields"),
            "DeleteAlert": link("deleteAlert", id, "Delete it"),
            "ListAlertDeliveries": link("listAlertDeliveries", id, "Its notices"),
        ]
    }

    static var executionLinks: [String: JSONValue] {
        ["ReplayExecution": link("replayExecution", ["id": "$response.body#/data/data/0/id"], "Replay the first execution listed")]
    }

    static var runRequestLinks: [String: JSONValue] {
        ["GetExecution": link("getExecution", ["id": "$response.body#/data/executionId"], "The requested run, once it starts")]
    }

    static var paths: JSONValue {
        return [
            "/auth/register": [
                "post": Operation(
                    id: "registerAccount", summary: "Create a full account", tag: "Account", isPublic: true,
                    body: "RegisterRequest", ok: (201, envelope(ref("Registration")), "Account created"), errors: [409]
                ).json
            ],
            "/auth/register-anonymous": [
                "post": Operation(
                    id: "registerAnonymous", summary: "Create an anonymous account", tag: "Account", isPublic: true,
                    body: "AnonymousRequest", bodyRequired: false,
                    ok: (201, envelope(ref("Registration")), "Account created (no tokens: use the API key)")
                ).json
            ],
            "/auth/login": [
                "post": Operation(
                    id: "login", summary: "Sign in", tag: "Account", isPublic: true, body: "LoginRequest",
                    ok: (200, envelope(ref("Login")), "Signed in"), errors: [401]
                ).json
            ],
            "/auth/refresh": [
                "post": Operation(
                    id: "refreshTokens", summary: "Rotate a refresh token", tag: "Account", isPublic: true,
                    body: "RefreshRequest", ok: (200, envelope(ref("Tokens")), "New tokens"), errors: [401]
                ).json
            ],
            "/auth/me": [
                "get": Operation(
                    id: "getProfile", summary: "The caller's profile", tag: "Account", ok: (200, envelope(ref("User")), "Profile")
                ).json,
                "delete": Operation(
                    id: "deleteAccount", summary: "Delete the caller's account and everything it owns", tag: "Account",
                    body: "DeleteAccountRequest", ok: (200, messageEnvelope, "Deleted"), errors: [403, 404],
                    description: """
                        Jobs, executions, alerts and their history go for good; the API key and tokens stop working at once. \
                        403 when `confirm` is not the account's id, or the password is missing or wrong.
                        """
                ).json,
            ],
            "/auth/change-password": [
                "post": Operation(
                    id: "changePassword", summary: "Change the caller's password", tag: "Account", body: "ChangePasswordRequest",
                    ok: (200, envelope(ref("PasswordChanged")), "Changed; the account's other sessions have ended"),
                    errors: [403], description: "403 when `currentPassword` is not the account's (or the account is anonymous)."
                ).json
            ],
            "/auth/rotate-key": [
                "post": Operation(
                    id: "rotateApiKey", summary: "Replace the API key", tag: "Account",
                    ok: (200, envelope(ref("RotatedKey")), "The new key, shown once"), idempotent: true,
                    description: "Of two rotations made at the same moment with the same credentials, one answers with the new key and the other 409: only one key can work."
                ).json
            ],
            "/jobs": [
                "post": Operation(
                    id: "createJob", summary: "Create a job", tag: "Jobs", body: "JobInput",
                    ok: (201, envelope(ref("Job")), "Job created"), errors: [403], idempotent: true, links: jobLinks,
                    description: "Plan limits (jobs, retries, request timeout) answer 403 with the limit in the message."
                ).json,
                "get": Operation(
                    id: "listJobs", summary: "List jobs", tag: "Jobs",
                    parameters: pageParameters + [
                        query("status", ["type": "string", "enum": ["active", "paused", "completed", "failed"]], "Filter by status"),
                        query("tag", ["type": "string", "minLength": 1, "maxLength": 50], "Filter by tag"),
                        query(
                            "name", ["type": "string", "minLength": 1, "maxLength": 100, "format": "regex"],
                            "Case-insensitive regular expression on the name (ICU syntax; a repeated group that itself repeats is refused, and so is a pattern that takes more than about 3 million matching steps on one name, with 400)"),
                    ], ok: (200, paged("Job"), "A page of jobs")
                ).json,
            ],
            "/jobs/{id}": [
                "get": Operation(
                    id: "getJob", summary: "Get a job", tag: "Jobs", parameters: [idParameter], ok: (200, envelope(ref("Job")), "The job"),
                    errors: [404]
                ).json,
                "patch": Operation(
                    id: "updateJob", summary: "Update a job (only the given fields)", tag: "Jobs", parameters: [idParameter],
                    body: "JobPatch", ok: (200, envelope(ref("Job")), "Updated"), errors: [403, 404, 409]
                ).json,
                "put": Operation(
                    id: "replaceJob", summary: "Update a job (same as PATCH)", tag: "Jobs", parameters: [idParameter],
                    body: "JobPatch", ok: (200, envelope(ref("Job")), "Updated"), errors: [403, 404, 409]
                ).json,
                "delete": Operation(
                    id: "deleteJob", summary: "Delete a job", tag: "Jobs", parameters: [idParameter],
                    ok: (200, messageEnvelope, "Deleted"), errors: [404, 409]
                ).json,
            ],
            "/jobs/{id}/trigger": [
                "post": Operation(
                    id: "triggerJob", summary: "Run a job now, as a new run", tag: "Jobs", parameters: [idParameter],
                    ok: (202, envelope(ref("RunRequest")), "Run enqueued"), errors: [404], idempotent: true,
                    links: runRequestLinks
                ).json
            ],
            "/jobs/{id}/executions": [
                "get": Operation(
                    id: "listJobExecutions", summary: "List a job's executions", tag: "Jobs",
                    parameters: [idParameter] + pageParameters + [query("status", executionStatus, "Filter by status")],
                    ok: (200, paged("Execution"), "A page of executions"), errors: [404], links: executionLinks
                ).json
            ],
            "/executions": [
                "get": Operation(
                    id: "listExecutions", summary: "List executions across jobs", tag: "Executions",
                    parameters: pageParameters + [
                        query("status", executionStatus, "Filter by status"),
                        query("jobId", ["type": "string", "pattern": "^[0-9a-f]{24}$"], "Filter by one of your jobs"),
                    ], ok: (200, paged("Execution"), "A page of executions"), errors: [404], links: executionLinks
                ).json
            ],
            "/executions/{id}": [
                "get": Operation(
                    id: "getExecution", summary: "Get an execution", tag: "Executions", parameters: [idParameter],
                    ok: (200, envelope(ref("Execution")), "The execution"), errors: [404]
                ).json
            ],
            "/executions/{id}/replay": [
                "post": Operation(
                    id: "replayExecution", summary: "Replay an execution", tag: "Executions", parameters: [idParameter],
                    ok: (202, envelope(ref("RunRequest")), "Replay enqueued"), errors: [404], idempotent: true,
                    links: runRequestLinks
                ).json
            ],
            "/alerts": [
                "post": Operation(
                    id: "createAlert", summary: "Create an alert config", tag: "Alerts", body: "AlertInput",
                    ok: (201, envelope(ref("Alert")), "Created"), errors: [403, 409], idempotent: true, links: alertLinks,
                    description: "The plan's limit on alert configs answers 403 with the limit in the message."
                ).json,
                "get": Operation(
                    id: "listAlerts", summary: "List alert configs (not paginated)", tag: "Alerts",
                    ok: (200, envelope(["type": "array", "items": ref("Alert")]), "All alert configs")
                ).json,
            ],
            "/alerts/{id}": [
                "get": Operation(
                    id: "getAlert", summary: "Get an alert config", tag: "Alerts", parameters: [idParameter],
                    ok: (200, envelope(ref("Alert")), "The alert"), errors: [404]
                ).json,
                "put": Operation(
                    id: "updateAlert", summary: "Update an alert config (only the given fields)", tag: "Alerts",
                    parameters: [idParameter], body: "AlertPatch", ok: (200, envelope(ref("Alert")), "Updated"),
                    errors: [404, 409]
                ).json,
                "delete": Operation(
                    id: "deleteAlert", summary: "Delete an alert config", tag: "Alerts", parameters: [idParameter],
                    ok: (200, messageEnvelope, "Deleted"), errors: [404]
                ).json,
            ],
            "/alerts/{id}/deliveries": [
                "get": Operation(
                    id: "listAlertDeliveries", summary: "List an alert's notices", tag: "Alerts",
                    parameters: [idParameter] + pageParameters, ok: (200, paged("AlertDelivery"), "A page of notices"),
                    errors: [404]
                ).json
            ],
            "/webhook-secret": [
                "get": Operation(
                    id: "getWebhookSecret", summary: "The account's webhook signing secret", tag: "Account",
                    ok: (200, envelope(ref("WebhookSecret")), "The current secret, and the previous one until it expires")
                ).json
            ],
            "/webhook-secret/rotate": [
                "post": Operation(
                    id: "rotateWebhookSecret",
                    summary: "Replace the webhook signing secret (the previous one keeps signing for 24 hours)", tag: "Account",
                    ok: (200, envelope(ref("WebhookSecret")), "The new secret and the previous one"), idempotent: true
                ).json
            ],
            "/schedules/preview": [
                "post": Operation(
                    id: "previewSchedule", summary: "The next runs of a schedule (as a job created now would have them)",
                    tag: "Jobs", body: "SchedulePreviewRequest", ok: (200, envelope(ref("SchedulePreview")), "The next runs")
                ).json
            ],
            "/usage/me": [
                "get": Operation(id: "getUsage", summary: "Plan, limits and usage", tag: "Usage", ok: (200, envelope(ref("Usage")), "Usage")).json
            ],
            "/health": [
                "get": Operation(
                    id: "getHealth", summary: "Service health", tag: "Health", isPublic: true,
                    ok: (200, envelope(ref("Health")), "Healthy")
                ).json
            ],
            "/openapi.json": [
                "get": Operation(
                    id: "getOpenAPIDocument", summary: "This document", tag: "Health", isPublic: true,
                    ok: (200, ["type": "object"], "OpenAPI 3.1 document")
                ).json
            ],
        ]
    }
}
