/// How the NDJSON sink fared: what it wrote, what it lost and why. A sink that failed once
/// writes nothing more (a file with a gap in the middle would be worse than a short one), so
/// every later line counts as dropped.
public struct SinkStatus: Codable, Sendable, Equatable {
    public var path: String
    public var linesWritten: UInt64
    /// Lines not written, or written only in part (the one a failed write cut).
    public var linesDropped: UInt64
    /// Failed writes (and a failed close).
    public var writeErrors: UInt64
    /// The first failure, as the system said it.
    public var firstError: String?

    public init(path: String) {
        self.path = path
        linesWritten = 0
        linesDropped = 0
        writeErrors = 0
        firstError = nil
    }

    public var failed: Bool { writeErrors > 0 }

    /// One sentence for a person: which file, how much was lost, and why.
    public var failureDescription: String? {
        guard failed else { return nil }
        return "the NDJSON sink \(path) lost \(linesDropped) of \(linesWritten + linesDropped) lines: "
            + "\(firstError ?? "write failed"); the file is incomplete"
    }
}
