import Foundation

/// A validated job as a client described it, before it gets an id and timestamps.
public struct JobSpec: Sendable, Equatable {
    public var name: String
    public var description: String?
    public var schedule: Schedule
    public var httpConfig: HTTPConfig
    public var retryPolicy: RetryPolicy
    public var status: Job.Status
    public var tags: [String]

    public init(
        name: String, description: String? = nil, schedule: Schedule, httpConfig: HTTPConfig,
        retryPolicy: RetryPolicy = .default, status: Job.Status = .active, tags: [String] = []
    ) {
        self.name = name
        self.description = description
        self.schedule = schedule
        self.httpConfig = httpConfig
        self.retryPolicy = retryPolicy
        self.status = status
        self.tags = tags
    }
}

/// Server settings that validation depends on.
public struct JobRules: Sendable {
    public var minIntervalMs: Int
    public static let maxIntervalMs = 366 * 86_400_000
    public static let maxBodyBytes = 1_048_576
    public static let maxTags = 20
    public static let maxTagLength = 50
    public static let maxHeaders = 50
    public static let maxHeaderValueLength = 8192

    public init(minIntervalMs: Int = 1000) {
        self.minIntervalMs = minIntervalMs
    }
}

extension JobSpec {
    static let topLevelFields: Set<String> = [
        "name", "description", "schedule", "httpConfig", "retryPolicy", "tags", "status",
    ]
    /// Fields a client may echo back from a GET in a PUT; they are never written.
    public static let readOnlyFields: Set<String> = [
        "id", "userId", "createdAt", "updatedAt", "nextExecutionAt", "lastExecutionAt",
    ]

    public init(validating json: JSONValue, rules: JobRules) throws(ValidationError) {
        let body = try FieldReader(json)
        try body.rejectUnknown(allowed: Self.topLevelFields, ignoring: Self.readOnlyFields)
        let name = try body.requiredName("name", length: FieldLimits.jobName)
        let description = try body.string("description", length: FieldLimits.jobDescription)

        guard let scheduleReader = try body.object("schedule") else {
            throw ValidationError(field: "schedule", "is required")
        }
        let schedule = try Self.schedule(scheduleReader, rules: rules)
        guard let httpReader = try body.object("httpConfig") else {
            throw ValidationError(field: "httpConfig", "is required")
        }
        let httpConfig = try Self.httpConfig(httpReader)
        let retryPolicy = try body.object("retryPolicy").map { reader throws(ValidationError) in
            try Self.retryPolicy(reader)
        } ?? .default

        var status = Job.Status.active
        if let text = try body.string("status") {
            guard let parsed = Job.Status(rawValue: text), parsed == .active || parsed == .paused else {
                throw ValidationError(field: "status", "must be \"active\" or \"paused\"")
            }
            status = parsed
        }
        let tags = try body.stringArray("tags") ?? []
        guard tags.count <= JobRules.maxTags else {
            throw ValidationError(field: "tags", "must have at most \(JobRules.maxTags) items")
        }
        for (index, tag) in tags.enumerated() {
            if tag.isEmpty { throw ValidationError(field: "tags[\(index)]", "must not be empty") }
            if tag.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw ValidationError(field: "tags[\(index)]", "must not contain control characters")
            }
            if tag.unicodeScalars.count > JobRules.maxTagLength {
                throw ValidationError(field: "tags[\(index)]", "must be at most \(JobRules.maxTagLength) characters")
            }
        }
        self.init(
            name: name, description: description, schedule: schedule, httpConfig: httpConfig,
            retryPolicy: retryPolicy, status: status, tags: tags)
    }

    static func schedule(_ reader: FieldReader, rules: JobRules) throws(ValidationError) -> Schedule {
        try reader.rejectUnknown(allowed: ["type", "expression", "timezone"])
        let typeText = try reader.requiredString("type")
        guard let kind = Schedule.Kind(rawValue: typeText) else {
            throw ValidationError(field: "schedule.type", "must be \"cron\" or \"interval\"")
        }
        let expression = try reader.requiredString("expression", length: FieldLimits.scheduleExpression)
        let timezone = try reader.string("timezone", length: 1...64)
        switch kind {
        case .cron:
            let cron: CronExpression
            do {
                cron = try CronExpression(expression)
            } catch {
                throw ValidationError(field: "schedule.expression", "is not a valid cron expression: \(error)")
            }
            var zone = TimeZone(identifier: "UTC")!
            if let timezone {
                guard let known = TimeZoneCatalog.zone(named: timezone) else {
                    throw ValidationError(field: "schedule.timezone", "must be an IANA time zone name such as \"Europe/London\"")
                }
                zone = known
            }
            guard cron.nextFire(after: Date(), in: zone) != nil else {
                throw ValidationError(field: "schedule.expression", "never matches a date")
            }
        case .interval:
            guard expression.utf8.allSatisfy({ (48...57).contains($0) }), let milliseconds = Int(expression) else {
                throw ValidationError(
                    field: "schedule.expression", "must be an interval in milliseconds written as digits, e.g. \"60000\"")
            }
            guard milliseconds >= rules.minIntervalMs else {
                throw ValidationError(
                    field: "schedule.expression", "interval must be at least \(rules.minIntervalMs.grouped) ms")
            }
            guard milliseconds <= JobRules.maxIntervalMs else {
                throw ValidationError(
                    field: "schedule.expression", "interval must be at most \(JobRules.maxIntervalMs.grouped) ms (366 days)")
            }
            if timezone != nil {
                throw ValidationError(field: "schedule.timezone", "applies to cron schedules only")
            }
        }
        return Schedule(kind: kind, expression: expression, timezone: timezone)
    }

    static func httpConfig(_ reader: FieldReader) throws(ValidationError) -> HTTPConfig {
        try reader.rejectUnknown(allowed: ["url", "method", "headers", "body", "timeoutMs"])
        let url = try reader.requiredString("url")
        _ = try TargetURL(url, field: "httpConfig.url")
        var method = HTTPConfig.Method.GET
        if let text = try reader.string("method") {
            guard let parsed = HTTPConfig.Method(rawValue: text) else {
                let names = HTTPConfig.Method.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError(field: "httpConfig.method", "must be one of \(names)")
            }
            method = parsed
        }
        let headers = try reader.stringMap("headers")
        if let headers { try HeaderRules.validate(headers, field: "httpConfig.headers") }
        let body = try reader.string("body")
        if let body, body.utf8.count > JobRules.maxBodyBytes {
            throw ValidationError(field: "httpConfig.body", "must be at most 1 MB (1,048,576 bytes)")
        }
        let timeoutMs = try reader.integer("timeoutMs", range: FieldLimits.timeoutMs) ?? HTTPConfig.defaultTimeoutMs
        return HTTPConfig(url: url, method: method, headers: headers, body: body, timeoutMs: timeoutMs)
    }

    static func retryPolicy(_ reader: FieldReader) throws(ValidationError) -> RetryPolicy {
        try reader.rejectUnknown(allowed: ["maxRetries", "initialDelay", "backoffMultiplier", "maxDelay"])
        let defaults = RetryPolicy.default
        return RetryPolicy(
            maxRetries: try reader.integer("maxRetries", range: FieldLimits.maxRetries) ?? defaults.maxRetries,
            initialDelay: try reader.integer("initialDelay", range: FieldLimits.initialDelay) ?? defaults.initialDelay,
            backoffMultiplier: try reader.number("backoffMultiplier", range: FieldLimits.backoffMultiplier) ?? defaults.backoffMultiplier,
            maxDelay: try reader.integer("maxDelay", range: FieldLimits.maxDelay) ?? defaults.maxDelay)
    }

    /// Checks the caps that depend on the user's plan (403 rather than 400).
    public func checkPlan(_ plan: Plan) throws(PlanLimitError) {
        let limits = plan.limits
        if retryPolicy.maxRetries > limits.maxRetries {
            throw PlanLimitError(
                "retryPolicy.maxRetries \(retryPolicy.maxRetries) exceeds the \(plan.rawValue) plan's limit of \(limits.maxRetries) retries")
        }
        if httpConfig.timeoutMs > limits.maxRequestTimeoutMs {
            throw PlanLimitError(
                "httpConfig.timeoutMs \(httpConfig.timeoutMs.grouped) exceeds the \(plan.rawValue) plan's limit of \(limits.maxRequestTimeoutMs.grouped) ms")
        }
    }
}
