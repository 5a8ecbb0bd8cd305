import Foundation
import Testing

@testable import RunhooksCore
@testable import RunhooksServer
@testable import RunhooksStore

/// The hand-written job JSON is byte for byte what `JSONEncoder` writes for the same DTO.
@Suite struct JobJSONTests {
    static let now = Date(milliseconds: 1_764_000_000_123)

    static func job(
        name: String, description: String?, timezone: String?, headers: [String: String]?, body: String?,
        multiplier: Double, tags: [String], status: Job.Status
    ) -> Job {
        Job(
            id: "6650f0c2a1b2c3d4e5f60718", userId: "u", name: name, description: description,
            schedule: timezone == nil
                ? Schedule(kind: .interval, expression: "60000", timezone: nil)
                : Schedule(kind: .cron, expression: "*/5 * * * *", timezone: timezone),
            httpConfig: HTTPConfig(url: "https://example.com/a/b?c=d&e=\"f\"", method: .PATCH, headers: headers, body: body, timeoutMs: 30_000),
            retryPolicy: RetryPolicy(maxRetries: 3, initialDelay: 1000, backoffMultiplier: multiplier, maxDelay: 300_000),
            status: status, tags: tags, createdAt: now, updatedAt: Date(milliseconds: 1_764_000_999_001), anchorAt: now)
    }

    static let awkward = [
        "plain", "", "quote \" and backslash \\ and slash /", "line\nbreak\ttab\rreturn", "\u{01}\u{08}\u{0C}\u{1F}\u{7F}",
        "é ü 日本 🚀", "\u{2028}\u{2029}", "</script><img src=x onerror=alert(1)>",
    ]

    @Test(arguments: Array(awkward.enumerated()))
    func theHandWrittenJobIsWhatTheEncoderWrites(index: Int, text: String) throws {
        let variants: [Job] = [
            Self.job(name: text, description: text, timezone: "Asia/Kolkata", headers: ["X-Trace": text, "Accept": "*/*", "a-lower": "1"],
                     body: text, multiplier: [1, 1.5, 2, 0.1, 2.25, 10][index % 6], tags: [text, "b"], status: .active),
            Self.job(name: text, description: nil, timezone: nil, headers: nil, body: nil, multiplier: 3.3, tags: [], status: .paused),
            Self.job(name: text, description: "", timezone: "UTC", headers: [:], body: "", multiplier: 1.75, tags: ["only"], status: .active),
            Self.job(name: text, description: nil, timezone: nil, headers: ["X-Only": text], body: nil, multiplier: 4, tags: [], status: .active),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        for job in variants {
            for message in [nil, "Job updated successfully", text] as [String?] {
                let dto = JobDTO(job, now: Self.now)
                let expected = try encoder.encode(SuccessEnvelope(data: dto, message: message))
                let written = Data(dto.envelope(message: message).bytes)
                #expect(written == expected, "\(String(decoding: written, as: UTF8.self))\n\(String(decoding: expected, as: UTF8.self))")
            }
        }
        let page = PageDTO(Page(items: variants, total: 9, request: PageRequest(page: 2, limit: 4))) { JobDTO($0, now: Self.now) }
        let expected = try encoder.encode(SuccessEnvelope(data: page, message: nil))
        let written = Data(page.envelope().bytes)
        #expect(written == expected, "\(String(decoding: written, as: UTF8.self))\n\(String(decoding: expected, as: UTF8.self))")
    }
}
