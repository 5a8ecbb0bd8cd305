import Foundation
import RunhooksTestSupport
import Testing

/// A cluster across three hosts: `cluster/netns.py` puts three `runhooks serve` processes in
/// three Linux network namespaces on a free /24 of 198.18.0.0/15, with PostgreSQL and a counting sink on the
/// bridge between them, then takes one node's link down (a real partition), brings it back,
/// and kills another with -9, counting every (job, slot) at the sink. It needs root for the
/// namespaces; elsewhere the test prints why it did not run.
@Suite struct NetworkNamespaceTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func aClusterAcrossThreeHostsSurvivesAPartitionAndAKill() async throws {
        #if os(Linux)
        guard getuid() == 0 else {
            print("NetworkNamespaceTests skipped: network namespaces need root (run scripts/test as root, as CI does)")
            return
        }
        let script = Self.repository.appendingPathComponent("cluster/netns.py").path
        let binary = ServerProcess.executable.path
        let run = try await offThePool { () throws -> (Int32, String) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script, "--binary", binary]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        if run.0 == 77 {
            print("NetworkNamespaceTests skipped: \(run.1.trimmingCharacters(in: .whitespacesAndNewlines))")
            return
        }
        #expect(run.0 == 0, "cluster/netns.py failed:\n\(run.1)")
        #else
        print("NetworkNamespaceTests skipped: network namespaces are a Linux feature")
        #endif
    }
}
