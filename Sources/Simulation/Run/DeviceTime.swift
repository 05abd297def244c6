import NIOCore

/// Seconds (as scenarios and device models count them) to NIO time amounts.
enum DeviceTime {
    static func amount(_ seconds: Double) -> TimeAmount { .nanoseconds(Int64((seconds * 1e9).rounded())) }
}
