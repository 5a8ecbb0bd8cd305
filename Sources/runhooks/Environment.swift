import Foundation

/// Every option also reads `RUNHOOKS_<NAME>`; the flag wins.
enum Environment {
    static func value(_ name: String) -> String? {
        let value = ProcessInfo.processInfo.environment["RUNHOOKS_\(name)"]
        return value?.isEmpty == false ? value : nil
    }

    static func flag(_ name: String) -> Bool {
        guard let value = value(name)?.lowercased() else { return false }
        return ["1", "true", "yes", "on"].contains(value)
    }
}

struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
