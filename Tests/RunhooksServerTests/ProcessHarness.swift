import Foundation
import RunhooksTestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

#if canImport(Glibc)
import Glibc
#endif

/// Runs the real `runhooks` executable (built next to the test bundle) as a child process.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let dataDirectory: String
    /// The server's log (its standard error), appended to across restarts on one directory.
    let logPath: String
    private(set) var port = 0
    /// What the server printed first on standard output: its banner's first line.
    private(set) var firstLine = ""

    static var executable: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = bundle.deletingLastPathComponent()
        while !directory.path.hasSuffix("/debug") && !directory.path.hasSuffix("/release") && directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("runhooks")
    }

    init(dataDirectory: String, arguments: [String]) throws {
        self.dataDirectory = dataDirectory
        logPath = dataDirectory + ".log"
        process.executableURL = Self.executable
        process.arguments = ["serve", "--port", "0", "--data-dir", dataDirectory, "--log-level", "warning"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Self.appendingHandle(logPath) ?? FileHandle.nullDevice
        try process.run()
        // The server prints one line once it accepts requests.
        var buffer = Data()
        while !String(decoding: buffer, as: UTF8.self).contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw ProcessFailure("runhooks exited before listening") }
            buffer += chunk
        }
        let line = String(decoding: buffer, as: UTF8.self)
        guard let range = line.range(of: "http://127.0.0.1:"), let port = Int(line[range.upperBound...].prefix { $0.isNumber })
        else { throw ProcessFailure("unexpected first line: \(line)") }
        self.port = port
        firstLine = String(line.prefix { $0 != "\n" })
    }

    /// Starts the server on a thread of its own: waiting for it must not hold one of the few
    /// threads Swift concurrency runs every other test on.
    static func launch(dataDirectory: String, arguments: [String]) async throws -> ServerProcess {
        try await offThePool { try ServerProcess(dataDirectory: dataDirectory, arguments: arguments) }
    }

    var apiURL: String { "http://127.0.0.1:\(port)/api/v1" }

    /// The last `count` lines of the server's log, for a failure message.
    func logTail(_ count: Int = 40) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(count).joined(separator: "\n")
    }

    private static func appendingHandle(_ path: String) -> FileHandle? {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { return nil }
        handle.seekToEndOfFile()
        return handle
    }

    /// SIGTERM, then waits (off the pool) until the server has drained and exited.
    func shutDown() async {
        let process = self.process
        _ = try? await offThePool {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
    }

    func kill9() async {
        kill(process.processIdentifier, SIGKILL)
        let process = self.process
        _ = try? await offThePool { process.waitUntilExit() }
    }

    /// SIGTERM without waiting here (it runs in a `defer`): a thread of its own waits for the
    /// exit, so a draining server never holds one of Swift concurrency's few threads, and kills
    /// a server still draining after 15 s (its database may be gone with the suite).
    func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        let process = self.process
        Thread {
            let deadline = Date() + 15
            while process.isRunning && Date() < deadline { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }.start()
    }
}

struct ProcessFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A minimal JSON client for a server in another process.
struct HTTPJSONClient {
    let base: String

    func send(
        _ method: String, _ path: String, key: String? = nil, body: [String: Any]? = nil, headers: [String: String] = [:]
    ) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }
}
