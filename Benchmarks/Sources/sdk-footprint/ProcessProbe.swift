import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// This process's memory, as the kernel sees it (resident pages) and as malloc sees it (bytes
/// handed out and not yet freed).
struct MemorySample: Codable, Sendable {
    /// `VmRSS` of /proc/self/status.
    var rssBytes: Int
    /// `VmHWM` of /proc/self/status: the peak resident set so far.
    var hwmBytes: Int
    /// glibc malloc's bytes in use (`mallinfo2`'s `uordblks + hblkhd`), over every arena; -1
    /// when unknown.
    var mallocInUseBytes: Int
    /// glibc malloc's bytes held from the system (`arena + hblkhd`); -1 when unknown.
    var mallocHeldBytes: Int

    static func now() -> MemorySample {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func kibField(_ name: String) -> Int {
            for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
                let digits = line.dropFirst(name.count + 1).filter(\.isNumber)
                return (Int(digits) ?? -1) * 1024
            }
            return -1
        }
        let malloc = MallocTotals.now()
        return MemorySample(
            rssBytes: kibField("VmRSS"), hwmBytes: kibField("VmHWM"), mallocInUseBytes: malloc?.inUse ?? -1,
            mallocHeldBytes: malloc?.held ?? -1)
    }
}

/// glibc malloc's totals over every arena, from `malloc_info` (the Swift Glibc module does not
/// import malloc.h, so `mallinfo2` is out of reach): in use = the arenas' system bytes less their
/// free chunks (top included), plus the mmapped chunks, which is `mallinfo2`'s
/// `uordblks + hblkhd`.
enum MallocTotals {
    private typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32

    static func now() -> (inUse: Int, held: Int)? {
        #if canImport(Glibc)
            guard let symbol = dlsym(nil, "malloc_info") else { return nil }
            let mallocInfo = unsafeBitCast(symbol, to: MallocInfo.self)
            var buffer: UnsafeMutablePointer<CChar>?
            var size = 0
            guard let stream = open_memstream(&buffer, &size) else { return nil }
            let status = mallocInfo(0, stream)
            fclose(stream)
            defer { free(buffer) }
            guard status == 0, let buffer else { return nil }
            return parse(String(cString: buffer))
        #else
            return nil
        #endif
    }

    /// Reads the totals that follow the last `</heap>`.
    static func parse(_ xml: String) -> (inUse: Int, held: Int)? {
        guard let end = xml.range(of: "</heap>", options: .backwards) else { return nil }
        var values: [String: Int] = [:]
        for line in xml[end.upperBound...].split(separator: "\n") {
            let fields = line.split(separator: "\"")
            // <total type="rest" count="1" size="130288"/> splits into 7 parts: the type is the
            // second, the size the second to last.
            guard fields.count >= 5, line.hasPrefix("<total") || line.hasPrefix("<system") else { continue }
            let kind = line.hasPrefix("<total") ? "total" : "system"
            values["\(kind).\(fields[1])"] = Int(fields[fields.count - 2])
        }
        guard let current = values["system.current"], let fast = values["total.fast"],
            let rest = values["total.rest"], let mmapped = values["total.mmap"]
        else { return nil }
        return (current - fast - rest + mmapped, current + mmapped)
    }
}

/// A memory figure between two samples, divided over `count` things.
struct MemoryDelta: Codable, Sendable {
    var before: MemorySample
    var after: MemorySample
    var count: Int
    var rssBytesPerItem: Double
    /// `nil` when malloc's figures are unknown (not glibc).
    var mallocInUseBytesPerItem: Double?

    init(before: MemorySample, after: MemorySample, count: Int) {
        self.before = before
        self.after = after
        self.count = count
        rssBytesPerItem = Double(after.rssBytes - before.rssBytes) / Double(max(count, 1))
        if after.mallocInUseBytes >= 0, before.mallocInUseBytes >= 0 {
            mallocInUseBytesPerItem = Double(after.mallocInUseBytes - before.mallocInUseBytes) / Double(max(count, 1))
        }
    }

    func lines(_ label: String) -> [String] {
        var lines = [
            "\(label) RSS (VmRSS):    \(mib(before.rssBytes)) -> \(mib(after.rssBytes)) MiB, "
                + "\(format(rssBytesPerItem, 0)) B each",
            "\(label) peak (VmHWM):   \(mib(before.hwmBytes)) -> \(mib(after.hwmBytes)) MiB",
        ]
        if let perItem = mallocInUseBytesPerItem {
            lines.append(
                "\(label) malloc in use:  \(mib(before.mallocInUseBytes)) -> \(mib(after.mallocInUseBytes)) MiB, "
                    + "\(format(perItem, 0)) B each (held from the system: \(mib(after.mallocHeldBytes)) MiB)")
        }
        return lines
    }
}

/// Nanoseconds on the monotonic clock.
func monotonicNanoseconds() -> UInt64 {
    UInt64(NIODeadline.now().uptimeNanoseconds)
}

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func format(_ value: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}

func mib(_ bytes: Int) -> String {
    format(Double(bytes) / 1_048_576, 1)
}

func seconds(since start: NIODeadline) -> Double {
    Double((NIODeadline.now() - start).nanoseconds) / 1e9
}

/// Writes `value` as pretty, snake_case JSON to `path`.
func writeJSON(_ value: some Encodable, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    try encoder.encode(value).write(to: URL(fileURLWithPath: path))
}

/// Thrown when a measurement cannot complete; the message says why.
struct MeasurementFailed: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
