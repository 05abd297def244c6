/// Connection attempts and their outcomes.
package struct ConnectionCounts: Sendable, Equatable {
    package var attempts: UInt64 = 0
    package var connected: UInt64 = 0
    package var failed: [String: UInt64] = [:]
    /// Connections that ended, by reason (`close 1008`, `dropped`, `app killed`, ...).
    package var disconnected: [String: UInt64] = [:]

    package init() {}

    package mutating func merge(_ other: ConnectionCounts) {
        attempts += other.attempts
        connected += other.connected
        for (reason, count) in other.failed { failed[reason, default: 0] += count }
        for (reason, count) in other.disconnected { disconnected[reason, default: 0] += count }
    }
}
