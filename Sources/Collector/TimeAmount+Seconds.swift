import NIOCore
import SwarmPrimitives

extension TimeAmount {
    /// `seconds` as a time amount, clamped to 0 ... `Distribution.longestDuration` (NaN is 0).
    ///
    /// Parsed durations are already within 366 days, but a distribution's sample is not (a
    /// lognormal's tail, a sum of two delays), and `Int64(seconds * 1e9)` traps above 292 years:
    /// every seconds-to-nanoseconds conversion in the collector goes through here.
    static func clamped(seconds: Double) -> TimeAmount {
        guard seconds > 0 else { return .zero }
        let bounded = Swift.min(seconds, Distribution.longestDuration)
        return .nanoseconds(Int64((bounded * 1e9).rounded()))
    }
}
