import Foundation

/// The once-a-second status line of a running scenario, like
/// `elapsed 12s/30s  devices 280/300  gen 1.2k/s  acked 1.1k/s  p99 45ms  drops 3  reconnects 7`,
/// or on a virtual clock `simulated 01:02:03/24:10:00  speed 496x  devices ...`.
package enum ProgressLine {
    /// Rates and p99 cover the last `interval` seconds of run time when `previous` (the counters
    /// one interval ago) is given, else the whole run so far; drops, connect failures and
    /// reconnects are totals. `speed` (run seconds per wall-clock second) marks a virtual clock.
    package static func render(
        elapsed: Double, duration: Double, devicesOnline: Int, devicesTarget: Int, counters: ProgressCounters,
        previous: ProgressCounters?, interval: Double, speed: Double? = nil
    ) -> String {
        let span = previous == nil ? elapsed : interval
        func rate(_ now: UInt64, _ before: UInt64?) -> String {
            guard span > 0 else { return "-" }
            let delta = now >= (before ?? 0) ? now - (before ?? 0) : 0
            return Formatting.compact(Double(delta) / span) + "/s"
        }
        let recent = previous.map { counters.latency.subtracting($0.latency) } ?? counters.latency
        var parts =
            speed.map { ["simulated \(clock(elapsed))/\(clock(duration))", "speed \(Formatting.compact($0))x"] }
            ?? ["elapsed \(Int(elapsed.rounded(.down)))s/\(Int(duration.rounded()))s"]
        parts += [
            "devices \(devicesOnline)/\(devicesTarget)",
            "gen \(rate(counters.generated, previous?.generated))",
            "acked \(rate(counters.acked, previous?.acked))",
            "p99 \(Formatting.milliseconds(recent.milliseconds(atPercentile: 99)))",
            "drops \(Formatting.count(counters.dropped))",
        ]
        if counters.connectFailures > 0 {
            parts.append("connect failures \(Formatting.count(counters.connectFailures))")
        }
        parts.append("reconnects \(Formatting.count(counters.reconnects))")
        return parts.joined(separator: "  ")
    }

    /// Run time as `HH:MM:SS`.
    static func clock(_ seconds: Double) -> String {
        let total = Int(max(0, seconds.rounded(.down)))
        return String(format: "%02d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
    }
}
