/// The knee search as a pure state machine: it says which load to run next, is told whether that
/// step passed, and ends with an outcome. It doubles the load from `from` (capped at `to`) until
/// a step fails, then bisects between the last pass and the first failure until they are within
/// `precision` of the last pass (or one device apart). A step run by a saturated generator ends
/// the search at once.
public struct CapacitySearch: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case run(load: Double)
        case finished(Outcome)
    }

    public enum Outcome: Sendable, Equatable {
        /// Between `knee` (passed) and `firstFailure` (failed), within the precision.
        case found(knee: Double, firstFailure: Double)
        /// Every load up to `to` passed.
        case aboveRange(knee: Double)
        /// `from` already failed.
        case belowRange(firstFailure: Double)
        /// The generator was saturated at `load`: the search stopped there.
        case generatorBottleneck(knee: Double?, load: Double, reason: String)
    }

    public let from: Double
    public let to: Double
    public let precision: Double
    /// Loads are whole numbers (device counts).
    public let integral: Bool
    public private(set) var lastPass: Double?
    public private(set) var firstFailure: Double?
    private var outcome: Outcome?
    private var running: Double?

    public init(from: Double, to: Double, precision: Double, integral: Bool) {
        self.from = from
        self.to = to
        self.precision = precision
        self.integral = integral
    }

    public init(_ settings: CapacitySettings) {
        self.init(
            from: settings.from, to: settings.to, precision: settings.precision, integral: settings.vary == .devices)
    }

    /// The next step to run, or the outcome once there is one.
    public mutating func next() -> Action {
        if let outcome { return .finished(outcome) }
        if let running { return .run(load: running) }
        let load: Double
        switch (lastPass, firstFailure) {
        case (nil, nil):
            load = from
        case (let pass?, nil):
            guard pass < to else { return finish(.aboveRange(knee: pass)) }
            load = min(to, round(pass * 2))
        case (nil, let failure?):
            return finish(.belowRange(firstFailure: failure))
        case (let pass?, let failure?):
            let middle = round((pass + failure) / 2)
            guard failure - pass > precision * pass, middle > pass, middle < failure else {
                return finish(.found(knee: pass, firstFailure: failure))
            }
            load = middle
        }
        running = load
        return .run(load: load)
    }

    /// The step at `load` ended: it met every SLO or not; `bottleneck` says why the generator
    /// was saturated, when it was.
    public mutating func record(load: Double, passed: Bool, bottleneck: String? = nil) {
        guard running == load else { return }
        running = nil
        if passed {
            lastPass = max(lastPass ?? load, load)
        } else {
            firstFailure = min(firstFailure ?? load, load)
        }
        if let bottleneck {
            outcome = .generatorBottleneck(knee: lastPass, load: load, reason: bottleneck)
        }
    }

    private mutating func finish(_ outcome: Outcome) -> Action {
        self.outcome = outcome
        return .finished(outcome)
    }

    /// Whole devices, or rate multiples to a thousandth.
    private func round(_ value: Double) -> Double {
        integral ? value.rounded(.down) : (value * 1000).rounded() / 1000
    }
}

/// Whether the generator, not the collector, limited a step. Two signs, either enough: its CPU
/// near its budget (90%) while the collector's throttle held no reads (or there is none to ask);
/// or its devices producing fewer events per unit of load than in the first step (under 75%: a
/// margin for the randomness of small populations),
/// which only a generator falling behind its devices' intended times does (what they offer does
/// not depend on the collector). Pure, so that the rule is tested without a saturated machine.
public enum GeneratorBottleneck {
    /// The share of the budget at which the generator counts as saturated.
    public static let saturation = 0.9
    /// The share of the first step's events per unit of load below which the generator lags.
    public static let lagging = 0.75

    /// Why the generator is the bottleneck, or nil when it is not. `throttleWait`: seconds the
    /// collector's throttle held reads during the step (nil when unknown); `seconds`: the step's
    /// wall time; `offeredPerLoad`, `expectedPerLoad`: this step's and the first step's events
    /// generated a second per unit of load (nil when unknown).
    public static func reason(
        cpuCores: Double?, budget: Double, throttleWait: Double?, seconds: Double, offeredPerLoad: Double? = nil,
        expectedPerLoad: Double? = nil
    ) -> String? {
        if let offeredPerLoad, let expectedPerLoad, expectedPerLoad > 0, offeredPerLoad < lagging * expectedPerLoad {
            let share = Int((offeredPerLoad / expectedPerLoad * 100).rounded())
            return "the generator produced \(share)% of the events its devices scheduled (at the first step's rate "
                + "per unit of load): its events fall behind their intended time; give it more cores (--threads) "
                + "or shard the load"
        }
        guard let cpuCores, cpuCores >= saturation * budget else { return nil }
        // A collector holding reads back for more than 1% of the step is what limits it.
        if let throttleWait, throttleWait > 0.01 * seconds { return nil }
        return "the generator used \(format(cpuCores)) of its \(format(budget)) CPU cores (at least "
            + "\(Int(saturation * 100))%) while the collector was not holding reads back: the figures measure "
            + "this machine, not the collector; give it more cores (--threads, --cpu-budget) or shard the load"
    }

    private static func format(_ cores: Double) -> String {
        let rounded = (cores * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
