import Logging

/// `StreamLogHandler.standardError`'s lines, with the logger's metadata formatted when a line is
/// written rather than each time it is set. Hummingbird sets a request id on every request's
/// logger, and StreamLogHandler formats its whole metadata on every set: 3 % of the server's CPU
/// under `GET /jobs/:id`, for lines that at the default level are never written.
public struct StandardErrorLogHandler: LogHandler {
    private var stream: StreamLogHandler
    public var metadata: Logger.Metadata = [:]

    public init(label: String) {
        stream = .standardError(label: label)
    }

    init(label: String, writingTo output: any TextOutputStream & Sendable) {
        stream = StreamLogHandler(label: label, stream: output, metadataProvider: nil)
    }

    public var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The logger's metadata goes out as the line's own, under it; a metadata provider's values
    /// (the process sets none) would come before both.
    public func log(event: LogEvent) {
        guard !metadata.isEmpty else { return stream.log(event: event) }
        var event = event
        event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
        stream.log(event: event)
    }
}
