import NIOCore
import SwarmPrimitives

/// Seconds (as scenarios and device models count them) to NIO time amounts. A sample from a
/// distribution's tail (a think time of lognormal(2s, 10)) can be far longer than its parameters;
/// it waits the longest duration ClickSwarm takes, 366 days, instead of overflowing Int64.
enum DeviceTime {
    static func amount(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64((min(seconds, Distribution.longestDuration) * 1e9).rounded()))
    }
}
