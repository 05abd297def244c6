#if canImport(Glibc)
    import Glibc
#endif

/// What this process uses of the machine: CPU time so far and resident memory now.
package enum ProcessUsage {
    /// User plus system CPU seconds of every thread so far (`getrusage(RUSAGE_SELF)`).
    package static func cpuSeconds() -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Resident memory in bytes now (`/proc/self/statm`); nil where the system does not say.
    package static func residentBytes() -> UInt64? {
        guard let bytes = try? FileIO.read("/proc/self/statm", limit: 4096) else { return nil }
        let fields = String(decoding: bytes, as: UTF8.self).split(separator: " ")
        guard fields.count >= 2, let pages = UInt64(fields[1]) else { return nil }
        return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
    }
}
