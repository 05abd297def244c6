import Foundation
import SwarmPrimitives

/// One phone's battery: drains with time (faster in the foreground), and charges while plugged
/// in. Pure: the device calls `advance` with the time passed and reads the level.
package struct BatteryModel: Sendable, Equatable {
    package private(set) var level: Double
    package private(set) var charging: Bool
    /// When the current charge ends, or the next one starts (seconds of device time).
    package private(set) var nextChange: Double
    private let spec: Scenario.Battery
    private var random: SeededRandom

    package init(spec: Scenario.Battery, level: Double, charging: Bool, now: Double, random: SeededRandom) {
        self.spec = spec
        self.level = min(100, max(0, level))
        self.charging = charging
        self.random = random
        nextChange = .infinity
        nextChange = charging ? now + max(1, spec.chargeDuration.sample(using: &self.random)) : scheduleStart(now)
    }

    package static func == (lhs: BatteryModel, rhs: BatteryModel) -> Bool {
        lhs.level == rhs.level && lhs.charging == rhs.charging && lhs.nextChange == rhs.nextChange
    }

    private mutating func scheduleStart(_ now: Double) -> Double {
        guard spec.chargeStartPerHour > 0 else { return .infinity }
        // A certain start still waits a second, so a zero-length charge cannot loop forever.
        guard spec.chargeStartPerHour < 1 else { return now + 1 }
        // A chance p per hour is a Poisson rate of -ln(1 - p) per hour.
        let rate = -Foundation.log(1 - spec.chargeStartPerHour) / 3600
        return now + Distribution.exponential(mean: 1 / rate).sample(using: &random)
    }

    /// Moves the battery forward by `seconds` spent in the foreground or background, switching
    /// charging on or off at `nextChange` when it falls inside. Returns true when charging changed.
    @discardableResult
    package mutating func advance(from start: Double, to end: Double, foreground: Bool) -> Bool {
        var time = start
        var switched = false
        while true {
            // A change due at or before `time` happens first (also one missed before `start`).
            if nextChange <= time {
                charging.toggle()
                switched = true
                nextChange =
                    charging ? time + max(1, spec.chargeDuration.sample(using: &random)) : scheduleStart(time)
                continue
            }
            guard time < end else { break }
            let stop = min(end, nextChange)
            let hours = (stop - time) / 3600
            if charging {
                level = min(100, level + spec.chargeRate * hours)
            } else {
                level = max(0, level - (foreground ? spec.drainForeground : spec.drainBackground) * hours)
            }
            time = stop
        }
        return switched
    }

    /// When the level, left as it is from `time`, crosses `threshold`: downwards while draining
    /// from above it, upwards while charging from below it (a millisecond past the crossing, so
    /// the level is then strictly on the other side). Infinity when it never does before the next
    /// change of charging, which the caller watches anyway.
    package func crossing(of threshold: Double, after time: Double, foreground: Bool) -> Double {
        if charging {
            guard level < threshold, spec.chargeRate > 0 else { return .infinity }
            return time + (threshold - level) / spec.chargeRate * 3600 + 0.001
        }
        let rate = foreground ? spec.drainForeground : spec.drainBackground
        guard level >= threshold, rate > 0 else { return .infinity }
        return time + (level - threshold) / rate * 3600 + 0.001
    }
}
