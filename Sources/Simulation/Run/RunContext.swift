import Foundation
import NIOCore
import RaccoonWire

/// What every device of a run shares, immutable once the run starts.
final class RunContext: Sendable {
    let scenario: Scenario
    let population: Population
    let plan: ArrivalPlan
    let library: ScriptLibrary
    /// The run field of every event guid.
    let runID: UInt32
    /// Time zero of the run on the event loops' clock.
    let start: NIODeadline
    /// Time zero on the wall clock (event timestamps).
    let wallStart: Date
    /// Keep per-device ack bitmaps to check against the collector's deliveries.
    let checkDeliveries: Bool

    init(scenario: Scenario, library: ScriptLibrary, clock: RunClock, checkDeliveries: Bool) {
        self.scenario = scenario
        self.population = Population(scenario: scenario)
        self.plan = ArrivalPlan(scenario: scenario)
        self.library = library
        self.runID = clock.runID
        self.start = clock.start
        self.wallStart = clock.wallStart
        self.checkDeliveries = checkDeliveries
    }

    /// Seconds since the run started.
    func seconds(_ deadline: NIODeadline) -> Double {
        Double((deadline - start).nanoseconds) / 1e9
    }

    func deadline(_ seconds: Double) -> NIODeadline {
        start + DeviceTime.amount(seconds)
    }

    func wallClock(_ deadline: NIODeadline) -> Date {
        wallStart.addingTimeInterval(seconds(deadline))
    }
}
