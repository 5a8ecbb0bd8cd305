import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where tests keep their files: one directory per test process under the system's temporary
/// directory, removed when the process exits. Removing at exit rather than when a test's
/// values go away keeps a store's files in place while anything (a spawned server, a reader
/// connection opened late) may still use them. Directories left by processes that died
/// without exiting are removed by the next test process.
public enum TestScratch {
    /// A fresh path (not created) for one test's directory or file, named `prefix-<uuid>`.
    public static func path(_ prefix: String, suffix: String = "") -> URL {
        root.appendingPathComponent("\(prefix)-\(UUID().uuidString)\(suffix)")
    }

    private static let rootPrefix = "runhooks-tests-"

    private static let root: URL = {
        let temporary = FileManager.default.temporaryDirectory
        removeLeftovers(in: temporary)
        let root = temporary.appendingPathComponent("\(rootPrefix)\(getpid())")
        try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TestScratch.root) }
        return root
    }()

    private static func removeLeftovers(in temporary: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        for name in names where name.hasPrefix(rootPrefix) {
            guard let pid = pid_t(name.dropFirst(rootPrefix.count)), pid != getpid() else { continue }
            // No such process: its directory outlived it.
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
            }
        }
    }
}
