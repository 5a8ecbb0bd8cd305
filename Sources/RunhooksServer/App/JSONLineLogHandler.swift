import Foundation
import Logging
import RunhooksCore

/// Log lines as one JSON object each (`--log-format json`), for log collectors:
/// `{"label":"runhooks","level":"info","message":"…","metadata":{…},"source":"RunhooksServer","timestamp":"…Z"}`,
/// keys sorted, the timestamp in UTC with milliseconds, `metadata` left out when empty.
public struct JSONLineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable ([UInt8]) -> Void

    public init(label: String) {
        self.init(label: label) { line in FileHandle.standardError.write(Data(line)) }
    }

    init(label: String, write: @escaping @Sendable ([UInt8]) -> Void) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadataProvider?.get() ?? [:]
        merged.merge(metadata) { _, own in own }
        merged.merge(event.metadata ?? [:]) { _, explicit in explicit }
        var line = JSONOutput(capacity: 256)
        line.member(#"{"label":"#, label)
        line.member(#","level":"#, event.level.rawValue)
        line.member(#","message":"#, event.message.description)
        if !merged.isEmpty {
            line.raw(#","metadata":"#)
            Self.write(.dictionary(merged), to: &line)
        }
        line.member(#","source":"#, event.source)
        line.member(#","timestamp":"#, Date().iso8601Milliseconds)
        line.raw("}\n")
        write(line.bytes)
    }

    private static func write(_ value: Logger.Metadata.Value, to line: inout JSONOutput) {
        switch value {
        case .string(let text): line.string(text)
        case .stringConvertible(let convertible): line.string(convertible.description)
        case .array(let values):
            line.raw("[")
            for (index, element) in values.enumerated() {
                if index > 0 { line.raw(",") }
                write(element, to: &line)
            }
            line.raw("]")
        case .dictionary(let members):
            line.raw("{")
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { line.raw(",") }
                line.string(key)
                line.raw(":")
                write(members[key]!, to: &line)
            }
            line.raw("}")
        }
    }
}
