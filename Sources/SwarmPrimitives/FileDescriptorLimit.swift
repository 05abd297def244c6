#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's open-file limit: every connection costs a descriptor, so ClickSwarm raises its
/// soft limit to the hard one before it opens thousands.
public enum FileDescriptorLimit {
    public struct Limits: Sendable, Equatable {
        public var soft: UInt64
        public var hard: UInt64

        public init(soft: UInt64, hard: UInt64) {
            self.soft = soft
            self.hard = hard
        }
    }

    public static func current() -> Limits? {
        var limit = rlimit()
        guard getrlimit(Self.resource, &limit) == 0 else { return nil }
        return Limits(soft: UInt64(limit.rlim_cur), hard: UInt64(limit.rlim_max))
    }

    /// Raises the soft limit as far as the hard limit allows (or to `wanted`, if lower) and
    /// returns the limits now in force.
    @discardableResult
    public static func raise(toAtMost wanted: UInt64 = .max) -> Limits? {
        var limit = rlimit()
        guard getrlimit(Self.resource, &limit) == 0 else { return nil }
        let target = min(UInt64(limit.rlim_max), wanted)
        if UInt64(limit.rlim_cur) < target {
            limit.rlim_cur = rlim_t(target)
            _ = setrlimit(Self.resource, &limit)
        }
        return current()
    }

    /// Makes room for `wanted` descriptors: raises the hard limit to `wanted` where the system
    /// allows it (root, or `CAP_SYS_RESOURCE`, up to the kernel's `nr_open`), then the soft
    /// limit as far as the hard one goes. Returns the limits now in force; the caller compares.
    @discardableResult
    public static func ensure(_ wanted: UInt64) -> Limits? {
        var limit = rlimit()
        guard getrlimit(Self.resource, &limit) == 0 else { return nil }
        if UInt64(limit.rlim_max) < wanted {
            var raised = limit
            raised.rlim_max = rlim_t(wanted)
            raised.rlim_cur = rlim_t(wanted)
            // Refused without the privilege: the old hard limit stays, and so does the answer.
            _ = setrlimit(Self.resource, &raised)
        }
        return raise()
    }

    #if canImport(Glibc)
        private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        private static let resource = RLIMIT_NOFILE
    #endif
}
