import Foundation

/// IANA zone names from the system's tzdata.
public enum TimeZoneCatalog {
    static let known: Set<String> = {
        var names = Set(TimeZone.knownTimeZoneIdentifiers)
        names.formUnion(["UTC", "Etc/UTC", "GMT", "Etc/GMT"])
        return names
    }()

    public static func zone(named name: String) -> TimeZone? {
        guard known.contains(name) else { return nil }
        return TimeZone(identifier: name)
    }
}
