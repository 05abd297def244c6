import RaccoonWire
import SwarmPrimitives
import SwiftProtobuf

/// The scenario's journeys, compiled once per run: screens by index instead of name, and each
/// screen event's contract decoded from its attributes into a template message that devices copy.
package struct ScriptLibrary: Sendable {
    package struct Journey: Sendable {
        package var name: String
        package var start: Int
        package var screens: [Screen]
    }

    package struct Screen: Sendable {
        package var name: String
        package var events: [Event]
        package var think: Distribution
        /// Next screen index (nil: exit) and the cumulative probability up to it.
        package var next: [(screen: Int?, cumulative: Double)]
    }

    package struct Event: Sendable {
        package var template: any EventContract
        package var count: Distribution
        package var gap: Distribution
    }

    /// Why a screen event's attributes do not fit its contract.
    package struct TemplateError: Error, CustomStringConvertible {
        package var journey: String
        package var screen: String
        package var contract: String
        package var reason: String
        package var description: String {
            "journey '\(journey)', screen '\(screen)': the attributes do not fit \(contract): \(reason)"
        }
    }

    package var journeys: [Journey]
    /// Cumulative weights, for picking a journey.
    package var cumulativeWeights: [Double]
    package var appOpened: AppOpened

    package init(scenario: Scenario) throws(TemplateError) {
        var journeys: [Journey] = []
        for journey in scenario.journeys {
            let names = journey.screens.keys.sorted()
            var index: [String: Int] = [:]
            for (position, name) in names.enumerated() { index[name] = position }
            var screens: [Screen] = []
            for name in names {
                let screen = journey.screens[name]!
                var events: [Event] = []
                for event in screen.events {
                    guard let contract = EventContracts.all.first(where: { $0.contractName == event.contract }) else {
                        throw TemplateError(
                            journey: journey.name, screen: name, contract: event.contract, reason: "unknown contract")
                    }
                    do {
                        let template = try contract.init(jsonString: event.attributesJSON)
                        events.append(Event(template: template, count: event.count, gap: event.gap))
                    } catch {
                        throw TemplateError(
                            journey: journey.name, screen: name, contract: event.contract, reason: "\(error)")
                    }
                }
                var cumulative = 0.0
                let next = screen.next.map { entry -> (screen: Int?, cumulative: Double) in
                    cumulative += entry.probability
                    return (entry.screen == "exit" ? nil : index[entry.screen], cumulative)
                }
                screens.append(Screen(name: name, events: events, think: screen.think, next: next))
            }
            journeys.append(Journey(name: journey.name, start: index[journey.start] ?? 0, screens: screens))
        }
        self.journeys = journeys
        var total = 0.0
        cumulativeWeights = scenario.journeys.map {
            total += $0.weight
            return total
        }
        appOpened = AppOpened()
    }

    /// A journey index by weight.
    package func pickJourney(_ random: inout SeededRandom) -> Int {
        guard let total = cumulativeWeights.last, total > 0 else { return 0 }
        let point = random.nextUnit() * total
        return cumulativeWeights.firstIndex { point < $0 } ?? cumulativeWeights.count - 1
    }

    /// The screen after `screen` (nil: the journey ends).
    package func nextScreen(after screen: Screen, _ random: inout SeededRandom) -> Int? {
        guard let total = screen.next.last?.cumulative, total > 0 else { return nil }
        let point = random.nextUnit() * total
        return (screen.next.first { point < $0.cumulative } ?? screen.next[screen.next.count - 1]).screen
    }
}
