import Simulation

/// The logic behind `clickswarm validate`.
package enum ScenarioValidation {
    /// Checks scenario files; prints every error with file, line and field.
    package static func run(
        files: [String], output: @escaping @Sendable (String) -> Void, errors: @escaping @Sendable (String) -> Void
    ) -> ExitStatus {
        var failed = false
        for file in files {
            do {
                let scenario = try Scenario.load(file: file)
                _ = try ScriptLibrary(scenario: scenario)
                output("\(file): ok (\(scenario.name), \(scenario.population.devices) devices)")
            } catch let error as ScenarioErrors {
                failed = true
                errors(error.description)
            } catch {
                failed = true
                errors("\(file): \(error)")
            }
        }
        return failed ? .invalidInput : .success
    }
}
