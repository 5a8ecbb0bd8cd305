import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Python the reference tests run: a virtual environment in `.build/test-python` with the
/// packages they compare against (cronsim, aiosmtpd, standardwebhooks, selenium), made on first use, so
/// `swift test` needs nothing installed beforehand but `python3` with its `venv` module.
/// Test processes running at once make it once: creation holds a file lock.
public enum TestPython {
    // Tests/RunhooksTestSupport/TestPython.swift → the package root.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let directory = root.appendingPathComponent(".build/test-python")

    /// Tests/python-requirements.txt, which `scripts/test` installs from too (before the tests
    /// start, so that no test waits on pip).
    public static let packages: [String] = {
        let file = root.appendingPathComponent("Tests/python-requirements.txt")
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }()

    private static let ready = Mutex<Result<String, TestPythonError>?>(nil)

    /// The path of the environment's `python3`, made (once per process) if missing.
    public static func executable() throws -> String {
        try ready.withLock { state in
            if let state { return try state.get() }
            let result = Result { () throws(TestPythonError) -> String in try prepare() }
            state = result
            return try result.get()
        }
    }

    private static func prepare() throws(TestPythonError) -> String {
        let python = directory.appendingPathComponent("bin/python3").path
        let marker = directory.appendingPathComponent("runhooks-packages.txt")
        let wanted = packages.joined(separator: "\n")
        if (try? String(contentsOf: marker, encoding: .utf8)) == wanted { return python }
        try? FileManager.default.createDirectory(at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
        let lockPath = directory.path + ".lock"
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw TestPythonError("cannot open \(lockPath)") }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        defer { flock(lock, LOCK_UN) }
        // Another process may have made it while this one waited for the lock.
        if (try? String(contentsOf: marker, encoding: .utf8)) == wanted { return python }
        if !FileManager.default.fileExists(atPath: python) {
            try run(["/usr/bin/env", "python3", "-m", "venv", directory.path], hint: "install python3 and its venv module (apt-get install python3-venv)")
        }
        try run(
            [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"] + packages,
            hint: "pip needs to reach PyPI once to install \(packages.joined(separator: ", "))")
        do {
            try wanted.write(to: marker, atomically: true, encoding: .utf8)
        } catch {
            throw TestPythonError("cannot write \(marker.path): \(error)")
        }
        return python
    }

    private static func run(_ arguments: [String], hint: String) throws(TestPythonError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let log = directory.deletingLastPathComponent().appendingPathComponent("test-python.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        do {
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        } catch {
            throw TestPythonError("\(arguments.joined(separator: " ")) could not start (\(error)); \(hint)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw TestPythonError("\(arguments.joined(separator: " ")) failed; \(hint)\n\(output.suffix(2000))")
        }
    }
}

public struct TestPythonError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
