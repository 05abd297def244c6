import Collector
import NIOCore
import SwarmPrimitives

/// The embedded collector's faults over time: at every window boundary, the settings of the
/// windows then open, combined (an outage or a stall if any window has one, the highest
/// probabilities, the last window's ack delay).
struct FaultSchedule: Sendable, Equatable {
    /// (seconds from the start, settings from then on), in time order.
    let steps: [(at: Double, faults: FaultSettings)]

    static func == (lhs: FaultSchedule, rhs: FaultSchedule) -> Bool {
        lhs.steps.map(\.at) == rhs.steps.map(\.at) && lhs.steps.map(\.faults) == rhs.steps.map(\.faults)
    }

    init(_ windows: [Scenario.FaultWindow]) {
        let boundaries = Set(windows.flatMap { [$0.start, $0.end] }).sorted()
        steps = boundaries.map { time in (time, Self.settings(at: time, windows)) }
    }

    static func settings(at time: Double, _ windows: [Scenario.FaultWindow]) -> FaultSettings {
        var settings = FaultSettings()
        for window in windows where window.start <= time && time < window.end {
            settings.outage = settings.outage || window.outage
            settings.publishStall = settings.publishStall || window.publishStall
            settings.ackLossProbability = max(settings.ackLossProbability, window.ackLoss)
            settings.errorProbability = max(settings.errorProbability, window.errorRate)
            if window.ackDelay != .constant(0) { settings.ackDelay = window.ackDelay }
        }
        return settings
    }

    /// Applies each step at its time on the collector's event loop timers; cancel the returned
    /// tasks to drop the steps still to come.
    func play(on server: CollectorServer, start: NIODeadline) -> [Scheduled<Void>] {
        server.scheduleFaults(steps.map { (start + DeviceTime.amount($0.at), $0.faults) })
    }
}
