import Foundation
import Testing

@testable import RunhooksCore
@testable import RunhooksServer
@testable import RunhooksStore

/// The hand-written page of executions is byte for byte what `JSONEncoder` writes for it.
@Suite struct ExecutionJSONTests {
    static func execution(_ index: Int, text: String?, timing: ExecutionTiming?, lateMs: Double?) -> Execution {
        let start = Date(milliseconds: 1_764_000_000_123 + Int64(index) * 1_000)
        var execution = Execution(
            id: String(format: "6650f0c2a1b2c3d4e5f6%04x", index), jobId: "6650f0c2a1b2c3d4e5f60718", userId: "u",
            status: [.success, .failed, .running, .timeout, .pending][index % 5], scheduledFor: start, attempt: 1 + index % 3,
            replayOf: index % 2 == 0 ? nil : "6650f0c2a1b2c3d4e5f6ffff", missedSlots: index % 4, createdAt: start - 0.05)
        if index % 5 != 4 { execution.startedAt = start }
        if index % 5 < 2 {
            execution.completedAt = start + 0.123
            execution.durationMs = 123
            execution.httpStatusCode = [200, 500][index % 5]
            execution.responseBody = text
            execution.error = index % 5 == 1 ? text : nil
        }
        execution.timing = timing
        execution.lateMs = lateMs
        return execution
    }

    @Test(arguments: Array(JobJSONTests.awkward.enumerated()))
    func theHandWrittenPageIsWhatTheEncoderWrites(index: Int, text: String) throws {
        let timings: [ExecutionTiming?] = [
            nil, ExecutionTiming(totalMs: 0), ExecutionTiming(dnsMs: 0.86, connectMs: 0.92, tlsMs: 3.53, firstByteMs: 93.55, totalMs: 123.12),
            ExecutionTiming(firstByteMs: 1e-5, totalMs: 1e16), ExecutionTiming(dnsMs: 12, totalMs: 2.5),
        ]
        let lateness: [Double?] = [nil, 0, 1.2, 0.001, 250, 1e15 + 0.5]
        let executions = (0..<10).map { item in
            Self.execution(
                item, text: item % 3 == 0 ? nil : text, timing: timings[(item + index) % timings.count],
                lateMs: lateness[(item + index) % lateness.count])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        for items in [executions, [], Array(executions.prefix(1))] {
            let page = Page(items: items, total: 47, request: PageRequest(page: 3, limit: 10))
            let dto = PageDTO(page, transform: ExecutionDTO.init)
            let expected = try encoder.encode(SuccessEnvelope(data: dto, message: nil))
            let written = Data(dto.envelope().bytes)
            #expect(written == expected, "\(String(decoding: written, as: UTF8.self))\n\(String(decoding: expected, as: UTF8.self))")
        }
    }
}
