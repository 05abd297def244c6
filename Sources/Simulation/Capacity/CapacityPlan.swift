/// How `clickswarm capacity` searches a scenario's knee: the scenario's `capacity` section, with
/// the command's flags laid over it (`CapacitySettings.resolve`). Documented in
/// `scenarios/README.md`.
public struct CapacityPlan: Sendable, Equatable {
    /// What grows from step to step.
    public enum Variable: String, Sendable, Equatable, CaseIterable {
        /// The number of devices (the population's `devices` per step).
        case devices
        /// The devices' event rate, as a multiple of the scenario's own (1 = as written); the
        /// device count stays.
        case rate
    }

    /// The floor the user sets (`at_least`): a knee below it exits 99.
    public var atLeast: Double?
    public var vary: Variable?
    /// The first step's load; the last step's at most.
    public var from: Double?
    public var to: Double?
    /// How long each step runs (before its drain); seconds.
    public var stepDuration: Double?
    /// The first seconds of each step left out of its figures.
    public var warmUp: Double?
    /// The bisection stops when the last pass and the first failure are this close, as a fraction
    /// of the last pass.
    public var precision: Double?

    public init() {}
}
