import Foundation
import NIOHTTP1
import RunhooksCore
import Testing

@testable import RunhooksEngine

/// Targets that answer with something other than a well-formed HTTP/1.1 response: the run
/// fails with a message that says what was wrong, and nothing is read past the limits.
struct MalformedAnswerTests {
    /// 200,000 zero bytes, gzipped to 229.
    static let inflatingBody = Array(
        Data(
            base64Encoded:
                "H4sIAAAAAAACA+3BMQEAAADCoPVPbQZ/oAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACA1wB7WOBcQA0DAA=="
        )!)

    static let answers: [(String, [UInt8], String)] = [
        ("not HTTP", Array("NOT HTTP AT ALL\r\n\r\n".utf8), "the answer is not valid HTTP/1.1"),
        (
            "a header of 200 KB", Array("HTTP/1.1 200 OK\r\nX-Big: \(String(repeating: "a", count: 200_000))\r\nContent-Length: 0\r\n\r\n".utf8),
            "the answer's headers are too large (over 80 KiB)"
        ),
        (
            "a body that inflates 870 times", Array("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: \(inflatingBody.count)\r\n\r\n".utf8) + inflatingBody,
            "could not decompress the answer: it inflates to more than 20 times its compressed size"
        ),
    ]

    @Test(arguments: answers.indices)
    func theRunFailsSayingWhatWasWrongWithTheAnswer(index: Int) async throws {
        let (name, answer, error) = Self.answers[index]
        let server = try await RawAnswerServer.start(answering: answer)
        let dispatcher = Dispatcher(targets: TargetGuard(allowPrivateTargets: true))
        let outcome = await dispatcher.send(
            url: "http://127.0.0.1:\(server.port)/", method: .GET, headers: [:], body: nil, timeoutMs: 30_000)
        #expect(outcome.kind == .networkError, "\(name)")
        #expect(outcome.error?.hasPrefix(error) == true, "\(name): \(outcome.error ?? "no error")")
        try await dispatcher.shutdown()
        await server.stop()
    }
}

struct StatusErrorTests {
    @Test func aStatusIsNamedWithItsPhraseWhenItHasOne() {
        #expect(Dispatcher.statusError(.serviceUnavailable) == "HTTP 503 Service Unavailable")
        #expect(Dispatcher.statusError(HTTPResponseStatus(statusCode: 599)) == "HTTP 599")
    }
}
