import SwarmPrimitives

extension Scenario {
    /// This scenario as one step of a capacity search: `load` devices, or the event rate times
    /// `load` (every think time, event gap and pause between journeys divided by it), running for
    /// `duration` seconds and named after its step.
    func capacityStep(_ variable: CapacityPlan.Variable, load: Double, duration: Double) -> Scenario {
        var step = self
        step.duration = duration
        let label = load == load.rounded() ? String(Int(load)) : String(load)
        step.name = "\(name).step-\(label)"
        switch variable {
        case .devices:
            step.population.devices = Int(load)
        case .rate:
            let factor = 1 / load
            step.lifecycle.betweenJourneys = step.lifecycle.betweenJourneys.scaled(by: factor)
            for journey in step.journeys.indices {
                for key in step.journeys[journey].screens.keys {
                    var screen = step.journeys[journey].screens[key]!
                    screen.think = screen.think.scaled(by: factor)
                    for event in screen.events.indices {
                        screen.events[event].gap = screen.events[event].gap.scaled(by: factor)
                    }
                    step.journeys[journey].screens[key] = screen
                }
            }
        }
        return step
    }
}

extension Distribution {
    /// Every value times `factor` (a lognormal keeps its spread).
    func scaled(by factor: Double) -> Distribution {
        switch self {
        case .constant(let value): return .constant(value * factor)
        case .uniform(let low, let high): return .uniform(low * factor, high * factor)
        case .normal(let mean, let deviation):
            return .normal(mean: mean * factor, standardDeviation: deviation * factor)
        case .lognormal(let median, let sigma): return .lognormal(median: median * factor, sigma: sigma)
        case .exponential(let mean): return .exponential(mean: mean * factor)
        }
    }
}
