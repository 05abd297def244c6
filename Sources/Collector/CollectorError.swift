/// Why the collector could not start or do what it was asked.
public enum CollectorError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case bindFailed(host: String, port: Int, reason: String)
    case sinkUnavailable(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message):
            return "invalid collector configuration: \(message)"
        case .bindFailed(let host, let port, let reason):
            return "cannot listen on \(host):\(port): \(reason) (is another collector running? try --port 0)"
        case .sinkUnavailable(let path, let reason):
            return "cannot open the NDJSON sink file \(path): \(reason)"
        }
    }
}
