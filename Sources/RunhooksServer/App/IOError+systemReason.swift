import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension IOError {
    /// The system's words for the failed call ("Address already in use"), without NIO's
    /// function names.
    public var systemReason: String { String(cString: strerror(errnoCode)) }
}
