#if canImport(Glibc)
import Glibc

/// Every request in flight holds a socket, and the engine allows 4,096 of them at once; the
/// soft limit on open files is often 1,024 (systemd's default) while the hard one is far higher.
/// As Go's runtime does, the server raises its soft limit to the hard one at start.
enum OpenFileLimit {
    /// Raises the soft limit to the hard limit; returns the soft limit in force afterwards.
    @discardableResult
    static func raiseToHardLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return UInt64(limit.rlim_cur)
    }
}
#else
enum OpenFileLimit {
    @discardableResult
    static func raiseToHardLimit() -> UInt64 { 0 }
}
#endif
