/// A capacity search's settings: the scenario's `capacity` section with the command's flags laid
/// over it, defaults filled in, and every value checked before anything starts.
public struct CapacitySettings: Sendable, Equatable {
    public var vary: CapacityPlan.Variable
    public var from: Double
    public var to: Double
    public var stepDuration: Double
    public var warmUp: Double
    public var precision: Double
    public var atLeast: Double?
    /// The generator's CPU budget in cores: at 90% of it (the collector not limiting) the
    /// generator is the bottleneck. Live runs only.
    public var cpuBudget: Double

    /// Defaults: devices from the scenario's own count to 16 times it, rate from 1 to 16 times
    /// the scenario's; 60 s steps; a quarter of the step (at most 15 s) as warm-up; 5%.
    public static func resolve(
        scenario: Scenario, flags: CapacityPlan, cpuBudget: Double
    ) throws(CapacityError) -> CapacitySettings {
        let plan = scenario.capacity
        let vary = flags.vary ?? plan.vary ?? .devices
        let base = vary == .devices ? Double(scenario.population.devices) : 1
        let from = flags.from ?? plan.from ?? base
        let to = flags.to ?? plan.to ?? from * 16
        let step = flags.stepDuration ?? plan.stepDuration ?? 60
        let settings = CapacitySettings(
            vary: vary, from: from, to: to, stepDuration: step,
            warmUp: flags.warmUp ?? plan.warmUp ?? min(15, step / 4),
            precision: flags.precision ?? plan.precision ?? 0.05,
            // The scenario's floor is in its own variable's unit: searching another one drops it.
            atLeast: flags.atLeast ?? (vary == (plan.vary ?? .devices) ? plan.atLeast : nil),
            cpuBudget: cpuBudget)
        try settings.validate()
        return settings
    }

    /// Refuses what cannot make a search, saying which value and why.
    public func validate() throws(CapacityError) {
        func fail(_ message: String) -> CapacityError { .invalidInput(message) }
        guard from.isFinite, from > 0 else { throw fail("--from must be more than 0, not \(from)") }
        guard to.isFinite, to >= from else { throw fail("--to (\(to)) must be at least --from (\(from))") }
        if vary == .devices {
            guard from == from.rounded(), to == to.rounded() else {
                throw fail(
                    "--vary devices counts devices: --from and --to must be whole numbers, not \(from) and \(to)")
            }
            guard to <= 1_000_000 else { throw fail("--to \(Int(to)) devices is more than one process can run") }
        } else {
            guard to <= 1_000 else { throw fail("--to \(to) times the scenario's event rate is more than 1000") }
        }
        guard stepDuration >= 2, stepDuration <= 86_400 else {
            throw fail("--step-duration must be from 2s to 24h, not \(stepDuration) s")
        }
        guard warmUp >= 0, warmUp < stepDuration else {
            throw fail(
                "--warm-up (\(warmUp) s) must be shorter than the step (\(stepDuration) s): nothing would be measured")
        }
        guard precision > 0, precision < 1 else { throw fail("--precision must be above 0% and below 100%") }
        if let atLeast, !(atLeast > 0 && atLeast.isFinite) { throw fail("capacity.at_least must be more than 0") }
        guard cpuBudget > 0, cpuBudget.isFinite else { throw fail("--cpu-budget must be more than 0 cores") }
    }
}

/// Why a capacity search could not run.
public enum CapacityError: Error, Equatable, CustomStringConvertible {
    /// Bad settings: nothing was started (exit 64).
    case invalidInput(String)
    /// A step's run failed (its error says which and why).
    case step(load: Double, RunError)

    public var description: String {
        switch self {
        case .invalidInput(let message): return message
        case .step(let load, let error): return "the step at load \(load) failed: \(error)"
        }
    }
}
