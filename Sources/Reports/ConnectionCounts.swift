/// Connection attempts and their outcomes.
public struct ConnectionCounts: Sendable, Equatable {
    public var attempts: UInt64 = 0
    public var connected: UInt64 = 0
    public var failed: [String: UInt64] = [:]
    /// Connections that ended, by reason (`close 1008`, `dropped`, `app killed`, ...).
    public var disconnected: [String: UInt64] = [:]

    public init() {}

    public mutating func merge(_ other: ConnectionCounts) {
        attempts += other.attempts
        connected += other.connected
        for (reason, count) in other.failed { failed[reason, default: 0] += count }
        for (reason, count) in other.disconnected { disconnected[reason, default: 0] += count }
    }
}
