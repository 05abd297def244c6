/// Connection attempts and their outcomes.
package struct ConnectionCounts: Sendable, Equatable {
    package var attempts: UInt64 = 0
    package var connected: UInt64 = 0
    package var failed: [String: UInt64] = [:]
    /// One detail per failure reason (the smallest, so that merges do not depend on their order).
    package var failureDetails: [String: String] = [:]
    /// Attempts neither connected nor failed when the run ended.
    package var inFlightAtEnd: UInt64 = 0
    /// Connections that ended, by reason (`close 1008`, `dropped`, `app killed`, ...).
    package var disconnected: [String: UInt64] = [:]

    package init() {}

    package mutating func merge(_ other: ConnectionCounts) {
        attempts += other.attempts
        connected += other.connected
        for (reason, count) in other.failed { failed[reason, default: 0] += count }
        for (reason, detail) in other.failureDetails where failureDetails[reason].map({ detail < $0 }) ?? true {
            failureDetails[reason] = detail
        }
        inFlightAtEnd += other.inFlightAtEnd
        for (reason, count) in other.disconnected { disconnected[reason, default: 0] += count }
    }
}
