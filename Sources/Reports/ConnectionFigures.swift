/// The `connections` section of a report.
public struct ConnectionFigures: Codable, Sendable, Equatable {
    public var attempts: UInt64
    public var connected: UInt64
    public var failedByReason: [String: UInt64]
    /// What the system said for each failure reason (one example each): the word is the key of
    /// `failedByReason`, the detail says more (`127.0.0.1:1: Connection refused`).
    public var failureDetails: [String: String]?
    /// Attempts still under way when the run ended: `attempts = connected + failed + in flight`.
    public var inFlightAtEnd: UInt64?
    public var disconnectedByReason: [String: UInt64]
    /// `connected / attempts`; nil without attempts (a REST transport makes none).
    public var successRatio: Double?

    package init(_ counts: ConnectionCounts) {
        attempts = counts.attempts
        connected = counts.connected
        failedByReason = counts.failed
        failureDetails = counts.failureDetails.isEmpty ? nil : counts.failureDetails
        inFlightAtEnd = counts.inFlightAtEnd > 0 ? counts.inFlightAtEnd : nil
        disconnectedByReason = counts.disconnected
        successRatio =
            counts.attempts > 0
            ? HistogramSummary.rounded(Double(counts.connected) / Double(counts.attempts), decimals: 6) : nil
    }

    enum CodingKeys: String, CodingKey {
        case attempts, connected
        case failedByReason = "failed_by_reason"
        case failureDetails = "failure_details"
        case inFlightAtEnd = "in_flight_at_end"
        case disconnectedByReason = "disconnected_by_reason"
        case successRatio = "success_ratio"
    }
}
