@testable import Simulation

extension RunOptions {
    /// The same options on the virtual clock.
    func simulating() -> RunOptions {
        var options = self
        options.simulated = true
        return options
    }
}
