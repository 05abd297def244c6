/// Why the collector could not start or do what it was asked.
public enum CollectorError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case bindFailed(host: String, port: Int, reason: String)
    case sinkUnavailable(path: String, reason: String)
    /// The Kafka brokers to publish to did not answer at start, or the producer could not be made.
    case kafkaUnavailable(bootstrapServers: String, reason: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message):
            return "invalid collector configuration: \(message)"
        case .bindFailed(let host, let port, let reason):
            return "cannot listen on \(host):\(port): \(reason) (is another collector running? try --port 0)"
        case .sinkUnavailable(let path, let reason):
            return "cannot open the NDJSON sink file \(path): \(reason)"
        case .kafkaUnavailable(let servers, let reason):
            return "cannot publish to Kafka at \(servers): \(reason)"
        }
    }
}
