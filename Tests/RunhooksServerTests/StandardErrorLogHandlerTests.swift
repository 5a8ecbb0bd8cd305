import Logging
import Synchronization
import Testing

@testable import RunhooksServer

/// The process's log lines read as StreamLogHandler's: the logger's metadata, sorted, then the
/// line's own, which wins where both name a key.
struct StandardErrorLogHandlerTests {
    final class Lines: TextOutputStream, Sendable {
        let written = Mutex<[String]>([])
        func write(_ string: String) { written.withLock { $0.append(string) } }
    }

    @Test func metadataSetOnTheLoggerAppearsInItsLinesAndTheLinesOwnWins() throws {
        let lines = Lines()
        var logger = Logger(label: "runhooks") { StandardErrorLogHandler(label: $0, writingTo: lines) }
        logger.info("plain")
        logger[metadataKey: "request"] = "7"
        logger[metadataKey: "node"] = "a"
        logger.info("started", metadata: ["node": "b", "shard": "3"])
        logger.debug("below the level")
        logger.logLevel = .debug
        logger.debug("at the level")
        let written = lines.written.withLock { $0 }
        #expect(written.count == 3)
        #expect(written[0].hasSuffix(" info runhooks: [RunhooksServerTests] plain\n"), "\(written[0])")
        #expect(written[1].hasSuffix(" info runhooks: node=b request=7 shard=3 [RunhooksServerTests] started\n"), "\(written[1])")
        #expect(written[2].hasSuffix(" debug runhooks: node=a request=7 [RunhooksServerTests] at the level\n"), "\(written[2])")
    }
}
