import Foundation
import Logging
import Synchronization
import Testing

@testable import RunhooksServer

/// `--log-format json`: every line one JSON object that a collector can parse, whatever the
/// message and metadata hold.
struct JSONLineLogHandlerTests {
    @Test func eachLineIsOneJSONObjectWithTheLoggersAndTheLinesMetadata() throws {
        let lines = Mutex<[[UInt8]]>([])
        var logger = Logger(label: "runhooks") { label in
            JSONLineLogHandler(label: label) { line in lines.withLock { $0.append(line) } }
        }
        logger[metadataKey: "node"] = "a"
        logger.info("a \"quoted\"\nmessage", metadata: ["node": "b", "shards": ["1", "2"], "peer": ["id": "c"]])
        logger.debug("below the level")
        logger[metadataKey: "node"] = nil
        logger.warning("plain")
        let written = lines.withLock { $0 }
        #expect(written.count == 2)
        #expect(written.allSatisfy { $0.last == UInt8(ascii: "\n") && $0.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") } })

        let first = try #require(try JSONSerialization.jsonObject(with: Data(written[0])) as? [String: Any])
        #expect(first["label"] as? String == "runhooks")
        #expect(first["level"] as? String == "info")
        #expect(first["message"] as? String == "a \"quoted\"\nmessage")
        #expect(first["source"] as? String == "RunhooksServerTests")
        let metadata = try #require(first["metadata"] as? [String: Any])
        #expect(metadata["node"] as? String == "b")
        #expect(metadata["shards"] as? [String] == ["1", "2"])
        #expect((metadata["peer"] as? [String: String]) == ["id": "c"])
        let timestamp = try #require(first["timestamp"] as? String)
        #expect(timestamp.hasSuffix("Z") && timestamp.count == "2026-12-02T08:00:00.000Z".count, "\(timestamp)")

        let second = try #require(try JSONSerialization.jsonObject(with: Data(written[1])) as? [String: Any])
        #expect(second["level"] as? String == "warning" && second["metadata"] == nil)
    }
}
