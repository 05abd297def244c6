import SwarmPrimitives

/// What one device's network link does to its connection, in each direction.
///
/// Sampled per device from the scenario's network profile; the `LinkConditioner` applies it to
/// the device's real socket.
package struct LinkProfile: Sendable, Equatable {
    /// One-way base latency in seconds, already sampled for this device.
    package var latency: Double
    /// Extra one-way delay of each message, in seconds, sampled per message.
    package var jitter: Distribution
    /// Bytes per second each way; `nil` for no limit.
    package var bandwidth: Double?

    /// - Precondition: `latency` is finite and not negative; `bandwidth`, when given, is positive.
    package init(latency: Double = 0, jitter: Distribution = .constant(0), bandwidth: Double? = nil) {
        precondition(latency.isFinite && latency >= 0, "latency must be a non-negative number of seconds")
        precondition(bandwidth.map { $0 > 0 } ?? true, "bandwidth must be positive")
        self.latency = latency
        self.jitter = jitter
        self.bandwidth = bandwidth
    }

    /// A link that changes nothing: the conditioner passes data straight through.
    package static let unconditioned = LinkProfile()

    /// True when the link adds no delay at all.
    package var isTransparent: Bool { latency == 0 && jitter == .constant(0) && bandwidth == nil }

    /// What the TCP handshake costs: one round trip.
    package var connectDelay: Double { 2 * latency }
}
