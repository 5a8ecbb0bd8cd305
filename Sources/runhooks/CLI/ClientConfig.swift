import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `runhooks init` saves: where the API is and the account's key. Kept in
/// `$XDG_CONFIG_HOME/runhooks/config.json` (by default `~/.config/…`; mode 0600), or where
/// `RUNHOOKS_CONFIG` says.
struct ClientConfig: Codable, Equatable {
    static let defaultAPIURL = "http://127.0.0.1:8080/api/v1"

    var apiURL: String
    var apiKey: String?

    static var path: String {
        if let explicit = ProcessInfo.processInfo.environment["RUNHOOKS_CONFIG"], !explicit.isEmpty { return explicit }
        let environment = ProcessInfo.processInfo.environment.filter { !$0.value.isEmpty }
        // $HOME first, as every POSIX tool does (Foundation's home on Linux is the passwd entry's).
        let configHome = environment["XDG_CONFIG_HOME"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return configHome + "/runhooks/config.json"
    }

    /// The saved configuration, or nil when there is none.
    static func load() throws -> ClientConfig? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(ClientConfig.self, from: data)
        } catch {
            throw CommandFailure("\(path) is not a Runhooks client configuration: \(error)")
        }
    }

    /// Writes the file readable by its owner only (it holds a secret).
    func save() throws {
        let url = URL(fileURLWithPath: Self.path)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(self)
        let temporary = url.path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CommandFailure("cannot write \(temporary)")
        }
        guard rename(temporary, url.path) == 0 else {
            throw CommandFailure("cannot write \(url.path): \(String(cString: strerror(errno)))")
        }
    }
}
