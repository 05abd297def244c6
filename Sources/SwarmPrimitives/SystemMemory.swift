/// What the machine has to give: the memory a run may count on, read from `/proc/meminfo`.
package enum SystemMemory {
    /// `MemAvailable` in bytes (memory that can be had without swapping); nil where the system
    /// does not say.
    package static func available() -> UInt64? {
        guard let bytes = try? FileIO.read("/proc/meminfo", limit: 1 << 20) else { return nil }
        return parse(String(decoding: bytes, as: UTF8.self))
    }

    /// The `MemAvailable:` line of a meminfo text, in bytes.
    package static func parse(_ text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = UInt64(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }
}
