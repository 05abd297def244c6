import SwarmPrimitives

/// When each device joins and leaves the run (seconds from the start), from the scenario's
/// arrival model. Device i's times depend only on i and the scenario (principle 4).
package struct ArrivalPlan: Sendable, Equatable {
    /// Closed model: the online target as (time, devices) corners, linear in between.
    package private(set) var corners: [(time: Double, devices: Double)] = []
    /// Open model: every session start, in time order (arrival k goes to device k mod count).
    package private(set) var arrivals: [Double] = []
    package let devices: Int
    package let isOpen: Bool

    package static func == (lhs: ArrivalPlan, rhs: ArrivalPlan) -> Bool {
        lhs.devices == rhs.devices && lhs.isOpen == rhs.isOpen && lhs.arrivals == rhs.arrivals
            && lhs.corners.map(\.time) == rhs.corners.map(\.time)
            && lhs.corners.map(\.devices) == rhs.corners.map(\.devices)
    }

    package init(scenario: Scenario) {
        devices = scenario.population.devices
        switch scenario.population.arrival {
        case .stages(let stages):
            isOpen = false
            var time = 0.0
            var level = 0.0
            corners = [(0, 0)]
            for stage in stages {
                let target = stage.isHold ? level : Double(min(stage.target ?? devices, devices))
                time += stage.over
                level = target
                corners.append((time, level))
            }
        case .open(let rate):
            isOpen = true
            var random = SeededRandom(seed: scenario.seed, stream: 0xA771_7A15)
            var time = 0.0
            let mean = 1 / rate
            // A Poisson process: exponential gaps. Capped so a typo cannot exhaust memory.
            while arrivals.count < 10_000_000 {
                time += Distribution.exponential(mean: mean).sample(using: &random)
                guard time < scenario.duration else { break }
                arrivals.append(time)
            }
        }
    }

    /// The online target at `time` (closed model).
    package func target(at time: Double) -> Double {
        guard let last = corners.last else { return 0 }
        if time >= last.time { return last.devices }
        for (from, to) in zip(corners, corners.dropFirst()) where time < to.time {
            guard to.time > from.time else { return to.devices }
            return from.devices + (to.devices - from.devices) * (time - from.time) / (to.time - from.time)
        }
        return last.devices
    }

    /// Closed model: the target of the stage in progress at `time` (where the ramp is heading),
    /// the denominator of the progress line's `devices online/target`.
    package func stageTarget(at time: Double) -> Int {
        for corner in corners where corner.time > time { return Int(corner.devices.rounded()) }
        return Int((corners.last?.devices ?? 0).rounded())
    }

    /// Closed model: the times device `index` joins and leaves, alternating (join first).
    package func transitions(of index: Int) -> [Double] {
        var result: [Double] = []
        let level = Double(index)
        var online = false
        for (from, to) in zip(corners, corners.dropFirst()) {
            if !online, to.devices > level, from.devices <= level {
                // Ramping up past this device: it joins at its place in the ramp.
                let share = (level - from.devices) / (to.devices - from.devices)
                result.append(from.time + share * (to.time - from.time))
                online = true
            } else if online, to.devices <= level, from.devices > level {
                // Ramping down: the highest indexes leave first.
                let share = (from.devices - 1 - level) / (from.devices - to.devices)
                result.append(from.time + max(0, share) * (to.time - from.time))
                online = false
            }
        }
        return result
    }

    /// Open model: the session starts of device `index`.
    package func sessions(of index: Int) -> [Double] {
        guard devices > 0 else { return [] }
        return stride(from: index, to: arrivals.count, by: devices).map { arrivals[$0] }
    }
}
