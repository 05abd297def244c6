/// The `connections` section of a report.
public struct ConnectionFigures: Codable, Sendable, Equatable {
    public var attempts: UInt64
    public var connected: UInt64
    public var failedByReason: [String: UInt64]
    public var disconnectedByReason: [String: UInt64]
    /// `connected / attempts`; nil without attempts (a REST transport makes none).
    public var successRatio: Double?

    package init(_ counts: ConnectionCounts) {
        attempts = counts.attempts
        connected = counts.connected
        failedByReason = counts.failed
        disconnectedByReason = counts.disconnected
        successRatio =
            counts.attempts > 0
            ? HistogramSummary.rounded(Double(counts.connected) / Double(counts.attempts), decimals: 6) : nil
    }

    enum CodingKeys: String, CodingKey {
        case attempts, connected
        case failedByReason = "failed_by_reason"
        case disconnectedByReason = "disconnected_by_reason"
        case successRatio = "success_ratio"
    }
}
