#if canImport(Glibc)
import Glibc

/// glibc's malloc hands a thread arena's free top back to the kernel once it passes 128 KiB,
/// and a busy engine takes it straight back: an `mprotect` and fresh page faults for every
/// fire. Keeping up to 64 MiB per arena removes them (the memory stays reusable by malloc).
enum MallocTuning {
    static let trimThresholdParameter: Int32 = -1  // M_TRIM_THRESHOLD in <malloc.h>
    static let trimThreshold: Int32 = 64 << 20

    static func keepFreedMemory() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        _ = unsafeBitCast(symbol, to: Mallopt.self)(trimThresholdParameter, trimThreshold)
    }
}
#else
enum MallocTuning {
    static func keepFreedMemory() {}
}
#endif
