import Foundation

/// Checks signed requests with the reference implementation of Standard Webhooks (the PyPI
/// package `standardwebhooks`, installed by `scripts/test`), an independent verifier of ours.
public enum StandardWebhooksVerifier {
    public struct Delivery: Codable, Sendable {
        public var body: String
        /// Header names lowercased.
        public var headers: [String: String]

        public init(body: String, headers: [String: String]) {
            self.body = body
            self.headers = headers
        }
    }

    static let script = """
        import json, sys
        from standardwebhooks.webhooks import Webhook, WebhookVerificationError
        hook = Webhook(sys.argv[1])
        results = []
        for delivery in json.load(sys.stdin):
            try:
                hook.verify(delivery["body"], delivery["headers"], json_parse=False)
                results.append(True)
            except WebhookVerificationError:
                results.append(False)
        print(json.dumps(results))
        """

    /// Whether each delivery verifies with `secret` (`whsec_…`).
    /// Runs on a thread of its own: waiting for Python must not hold one of the few threads
    /// Swift concurrency runs every other test on.
    public static func verify(_ deliveries: [Delivery], secret: String) async throws -> [Bool] {
        let python = try TestPython.executable()
        return try await offThePool { try verifyBlocking(deliveries, secret: secret, python: python) }
    }

    static func verifyBlocking(_ deliveries: [Delivery], secret: String, python: String) throws -> [Bool] {
        // Files rather than pipes: several tests run the verifier at once.
        let directory = TestScratch.path("swh")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.json")
        let output = directory.appendingPathComponent("out.json")
        let errors = directory.appendingPathComponent("err.txt")
        try JSONEncoder().encode(deliveries).write(to: input)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, secret]
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw VerifierFailure(
                "python3 with standardwebhooks failed: \((try? String(contentsOf: errors, encoding: .utf8)) ?? "")")
        }
        return try JSONDecoder().decode([Bool].self, from: Data(contentsOf: output))
    }
}

public struct VerifierFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
