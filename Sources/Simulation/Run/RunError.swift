/// Why a run could not be carried out. The CLI maps each case to its exit code.
public enum RunError: Error, Equatable, CustomStringConvertible {
    /// The scenario or an override is invalid (exit 64).
    case invalidInput(String)
    /// The machine or the target is not ready: a port, the file-descriptor limit, an unreachable
    /// collector (exit 69).
    case setupFailed(String)
    /// The report could not be written (exit 73).
    case cannotWriteReport(String)

    public var description: String {
        switch self {
        case .invalidInput(let message): return "invalid input: \(message)"
        case .setupFailed(let message): return "set-up failed: \(message)"
        case .cannotWriteReport(let message): return "cannot write the report: \(message)"
        }
    }
}
