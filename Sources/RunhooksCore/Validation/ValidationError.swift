/// A request value that breaks a rule. `field` is the dotted path of the value
/// (`httpConfig.timeoutMs`), `message` says which rule it breaks.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// A request that is valid but exceeds the caller's plan.
public struct PlanLimitError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A write that lost a race: the record changed (or went away) between the read it was based
/// on and the write. The client should read it again and retry.
public struct WriteConflictError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
