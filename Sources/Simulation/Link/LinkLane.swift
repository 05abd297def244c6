import SwarmPrimitives

/// One direction of a device's link, as the one formula both link models share: the live
/// `LinkConditioner` (real sockets, NIO timers) and the virtual clock's `InMemoryConnection`.
///
/// A message of `bytes` handed to the lane at `now` waits until the sender is free (bandwidth),
/// takes `bytes / bandwidth` on the wire, then the latency plus one jitter sample, and never comes
/// out before the message sent before it (FIFO). Times are seconds on the caller's clock.
struct LinkLane: Sendable {
    /// When the sender is free again.
    private(set) var freeAt: Double = 0
    /// When the last message comes out at the other end.
    private(set) var lastArrival: Double = 0
    /// This direction's own jitter generator, so each direction's delays depend only on its own
    /// messages, not on how they interleave with the other's.
    var random: SeededRandom

    init(random: SeededRandom) {
        self.random = random
    }

    /// The longest a message may spend on the wire or in flight, in seconds: a wild sample (a
    /// lognormal with a large sigma) cannot push a deadline past what a clock can hold.
    static let longestDelay: Double = 1e6

    /// When a message of `bytes` sent at `now` arrives, drawing one jitter sample.
    mutating func arrival(bytes: Int, now: Double, latency: Double, jitter: Distribution, bandwidth: Double?)
        -> Double
    {
        let start = max(now, freeAt)
        freeAt = start + min(bandwidth.map { Double(bytes) / $0 } ?? 0, Self.longestDelay)
        // (free + latency) + jitter, in that order: the virtual clock's reports depend on the bits.
        let arrival = min(freeAt + latency + jitter.sample(using: &random), freeAt + Self.longestDelay)
        lastArrival = max(arrival, lastArrival)
        return lastArrival
    }

    /// Nothing is sent before `time` (the sender's side of a handshake).
    mutating func holdSending(until time: Double) { freeAt = max(freeAt, time) }

    /// Nothing arrives before `time` (the receiver's side of a handshake).
    mutating func holdArrivals(until time: Double) { lastArrival = max(lastArrival, time) }
}
