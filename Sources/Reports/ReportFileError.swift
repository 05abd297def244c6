/// A report that cannot be rendered from or to a file.
public enum ReportFileError: Error, Equatable, CustomStringConvertible {
    /// The JSON report is missing, unreadable or not a run report (invalid input, exit 64).
    case unreadableReport(path: String, reason: String)
    /// The rendering cannot be written (exit 73).
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadableReport(let path, let reason):
            "cannot read the report \(path): \(reason)"
        case .cannotWrite(let path, let reason):
            "cannot write \(path): \(reason); check that the directory is writable or choose another -o path"
        }
    }
}
