import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The node's data directory: the lock that keeps a second server out, and the secrets
/// generated on first start.
public final class DataDirectory: Sendable {
    public let path: String
    private let lockDescriptor: Int32

    /// Creates the directory if needed and takes its exclusive lock.
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw ConfigurationError("the data directory \(path) is a file; choose a directory with --data-dir")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw ConfigurationError("cannot create the data directory \(path): \(Self.reason(error)); choose another with --data-dir")
            }
        }
        self.path = path
        let lockPath = (path as NSString).appendingPathComponent("runhooks.lock")
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ConfigurationError("cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw ConfigurationError(
                "another runhooks server is already using the data directory \(path); stop it or choose another --data-dir")
        }
        lockDescriptor = descriptor
    }

    /// The system's words for why a file operation failed ("Permission denied").
    static func reason(_ error: any Error) -> String {
        var error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? any Error { error = underlying as NSError }
        guard error.domain == NSPOSIXErrorDomain else { return error.localizedDescription }
        return String(cString: strerror(Int32(error.code)))
    }

    deinit {
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
    }

    /// The JWT signing secret: 64 random bytes, made once and kept readable by the owner only.
    public func jwtSecret() throws -> String {
        try secret(named: "jwt-secret")
    }

    /// This node's name in a cluster: `node-` and 8 random hex digits, made once.
    public func nodeId() throws -> String {
        let file = (path as NSString).appendingPathComponent("node-id")
        if let existing = try? String(contentsOfFile: file, encoding: .utf8), !existing.isEmpty {
            return existing.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let value = "node-" + String(format: "%08x", UInt32.random(in: 0...UInt32.max))
        guard FileManager.default.createFile(atPath: file, contents: Data(value.utf8), attributes: [.posixPermissions: 0o644])
        else { throw ConfigurationError("cannot write \(file)") }
        return value
    }

    private func secret(named name: String) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        if let existing = try? String(contentsOfFile: file, encoding: .utf8), !existing.isEmpty {
            return existing.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let bytes = SymmetricKey(size: .init(bitCount: 512)).withUnsafeBytes { Data($0) }
        let value = bytes.base64EncodedString()
        guard FileManager.default.createFile(atPath: file, contents: Data(value.utf8), attributes: [.posixPermissions: 0o600])
        else { throw ConfigurationError("cannot write \(file)") }
        return value
    }
}
