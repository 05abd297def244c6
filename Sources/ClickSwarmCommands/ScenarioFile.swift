import Simulation

/// Scenario files as the commands read them: loaded, overridden, every error printed.
enum ScenarioFile {
    /// The scenario file with the overrides applied, or nil after printing every error.
    static func load(_ file: String, _ overrides: ScenarioOverrides, errors: @Sendable (String) -> Void) -> Scenario? {
        do {
            return try Scenario.load(file: file).applying(overrides)
        } catch let error as ScenarioErrors {
            errors(error.description)
        } catch {
            errors("\(error)")
        }
        return nil
    }
}
