extension Job {
    /// The job as a client would have written it, the base a PATCH is merged into.
    public var inputFields: [String: JSONValue] {
        var schedule: [String: JSONValue] = ["type": .string(self.schedule.kind.rawValue), "expression": .string(self.schedule.expression)]
        if let timezone = self.schedule.timezone { schedule["timezone"] = .string(timezone) }
        var http: [String: JSONValue] = [
            "url": .string(httpConfig.url), "method": .string(httpConfig.method.rawValue),
            "timeoutMs": .number(Double(httpConfig.timeoutMs)),
        ]
        if let headers = httpConfig.headers { http["headers"] = .object(headers.mapValues { .string($0) }) }
        if let body = httpConfig.body { http["body"] = .string(body) }
        var fields: [String: JSONValue] = [
            "name": .string(name),
            "schedule": .object(schedule),
            "httpConfig": .object(http),
            "retryPolicy": .object([
                "maxRetries": .number(Double(retryPolicy.maxRetries)),
                "initialDelay": .number(Double(retryPolicy.initialDelay)),
                "backoffMultiplier": .number(retryPolicy.backoffMultiplier),
                "maxDelay": .number(Double(retryPolicy.maxDelay)),
            ]),
            "tags": .array(tags.map { .string($0) }),
        ]
        if let description { fields["description"] = .string(description) }
        return fields
    }
}

extension JobSpec {
    /// Objects merged key by key; every other field (including `schedule`, whose parts only
    /// make sense together) is replaced whole. `null` clears an optional field.
    static let mergedObjects: Set<String> = ["httpConfig", "retryPolicy"]

    /// Applies a PATCH body to a stored job and validates the result as a whole.
    public init(merging patch: JSONValue, into job: Job, rules: JobRules) throws(ValidationError) {
        let reader = try FieldReader(patch)
        try reader.rejectUnknown(allowed: Self.topLevelFields, ignoring: Self.readOnlyFields)
        try reader.requireEchoedID(job.id)
        var merged = job.inputFields
        for (key, value) in reader.fields where !Self.readOnlyFields.contains(key) {
            if Self.mergedObjects.contains(key), case .object(let changes) = value, case .object(var base) = merged[key] {
                for (innerKey, innerValue) in changes {
                    base[innerKey] = innerValue == .null ? nil : innerValue
                }
                merged[key] = .object(base)
            } else {
                merged[key] = value == .null ? nil : value
            }
        }
        try self.init(validating: .object(merged), rules: rules)
        if !reader.has("status") { status = job.status }
    }
}
