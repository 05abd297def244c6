/// What the collector did to protect itself from clients that misbehave, per event loop
/// (accept failures are counted by the server, which accepts on one loop).
package struct ProtectionCounters: Sendable, Equatable {
    /// Times a connection's reading was paused because its answers were not being read.
    package var slowReaderPauses: UInt64 = 0
    /// Connections paused right now.
    package var slowReadersPaused: Int = 0
    /// Connections closed because a request head did not arrive in time.
    package var requestHeadTimeouts: UInt64 = 0
    /// Requests answered 408 and closed because their body did not arrive in time.
    package var requestBodyTimeouts: UInt64 = 0
    /// Connections closed after a malformed request (answered 400 by the HTTP decoder).
    package var httpProtocolErrors: UInt64 = 0
    /// Failed accepts (out of file descriptors, say); set when the loops' counters are merged.
    package var acceptErrors: UInt64 = 0
    /// Reads held back because the ingest throttle's token bucket was in debt
    /// (`max_events_per_second`).
    package var throttledReads: UInt64 = 0
    /// How long those reads waited, summed over connections.
    package var throttleWaitNanoseconds: UInt64 = 0
    /// Connections whose read waits for the bucket right now.
    package var throttledReadsHeld: Int = 0

    package init() {}

    package mutating func merge(_ other: ProtectionCounters) {
        slowReaderPauses += other.slowReaderPauses
        slowReadersPaused += other.slowReadersPaused
        requestHeadTimeouts += other.requestHeadTimeouts
        requestBodyTimeouts += other.requestBodyTimeouts
        httpProtocolErrors += other.httpProtocolErrors
        acceptErrors += other.acceptErrors
        throttledReads += other.throttledReads
        throttleWaitNanoseconds += other.throttleWaitNanoseconds
        throttledReadsHeld += other.throttledReadsHeld
    }
}
