import Foundation
import Synchronization

/// IANA zone names, as the system's tzdata knows them.
public enum TimeZoneCatalog {
    static let known: Set<String> = {
        var names = Set(TimeZone.knownTimeZoneIdentifiers)
        names.formUnion(["UTC", "Etc/UTC", "GMT", "Etc/GMT"])
        return names
    }()

    static var zoneInfoDirectory: String {
        ProcessInfo.processInfo.environment["TZDIR"] ?? "/usr/share/zoneinfo"
    }

    private static let cache = Mutex<[String: TimeZone]>([:])

    /// Every name `zone(named:)` accepts, sorted: Foundation's list and the tzdata files.
    public static let allNames: [String] = {
        var names = known.filter { zone(named: $0) != nil }
        let root = zoneInfoDirectory
        if let enumerator = FileManager.default.enumerator(atPath: root) {
            while let path = enumerator.nextObject() as? String {
                if path == "posix" || path == "right" {
                    enumerator.skipDescendants()
                    continue
                }
                if !names.contains(path), zone(named: path) != nil { names.insert(path) }
            }
        }
        return names.sorted()
    }()

    /// One shared instance per zone name, so a million jobs in one zone hold one `TimeZone`.
    public static func shared(_ name: String) -> TimeZone? {
        if let cached = cache.withLock({ $0[name] }) { return cached }
        guard let zone = self.zone(named: name) else { return nil }
        cache.withLock { $0[name] = zone }
        return zone
    }

    /// The zone for an IANA name: one Foundation lists, or one with a file in the tzdata
    /// directory (which also holds `Etc/GMT+5` and other names Foundation does not list).
    public static func zone(named name: String) -> TimeZone? {
        if known.contains(name) { return TimeZone(identifier: name) }
        let wellFormed = !name.isEmpty && name.count <= 64 && !name.hasPrefix("/") && !name.contains("..")
            && !name.hasPrefix("posix/") && !name.hasPrefix("right/")
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "/_+-".unicodeScalars.contains($0)) }
        guard wellFormed else { return nil }
        var isDirectory: ObjCBool = false
        let path = zoneInfoDirectory + "/" + name
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return nil
        }
        return TimeZone(identifier: name)
    }
}

