import NIOCore
import RaccoonWire
import SwarmPrimitives

/// Walks one app's journeys through the script library: picks a journey by weight, then screen
/// after screen, and gives each screen's events with their intended times, when the screen is
/// left and what comes next. Pure: the device schedules what it returns.
///
/// Every choice comes from the device's journey stream, in this order: the journey; per screen,
/// each event's count then the gap after each occurrence (the last one too), the think time, the
/// next screen; the pause before the next journey only when the last screen is left (a session
/// that ends first does not draw it).
struct JourneyWalker {
    /// One event a screen tracks, at the time the script means it to happen.
    struct ScriptedEvent {
        var template: any EventContract
        /// The template's index in the library (`ScriptLibrary.templates`).
        var templateID: Int
        var intendedAt: NIODeadline
    }

    /// One visit of a screen.
    struct ScreenVisit {
        var journey: Int
        var screen: Int
        /// In tracking order: by event of the screen, then by occurrence.
        var events: [ScriptedEvent]
        /// When the think time is over.
        var leaveAt: NIODeadline
        /// The next screen of the same journey; nil: the journey ends when the screen is left.
        var next: Int?
    }

    private let library: ScriptLibrary
    private let betweenJourneys: Distribution
    private var random: SeededRandom

    init(library: ScriptLibrary, betweenJourneys: Distribution, random: SeededRandom) {
        self.library = library
        self.betweenJourneys = betweenJourneys
        self.random = random
    }

    /// A new journey, picked by weight, entered at its start screen at `time`.
    mutating func startJourney(at time: NIODeadline) -> ScreenVisit {
        let journey = library.pickJourney(&random)
        return enter(journey: journey, screen: library.journeys[journey].start, at: time)
    }

    /// Screen `index` of `journey`, entered at `entered`.
    mutating func enter(journey: Int, screen index: Int, at entered: NIODeadline) -> ScreenVisit {
        let screen = library.journeys[journey].screens[index]
        var events: [ScriptedEvent] = []
        for event in screen.events {
            let count = Int(event.count.sample(using: &random).rounded())
            var offset = 0.0
            for _ in 0..<max(0, count) {
                events.append(
                    ScriptedEvent(
                        template: event.template, templateID: event.templateID,
                        intendedAt: entered + DeviceTime.amount(offset)))
                offset += event.gap.sample(using: &random)
            }
        }
        let leaveAt = entered + DeviceTime.amount(screen.think.sample(using: &random))
        let next = library.nextScreen(after: screen, &random)
        return ScreenVisit(journey: journey, screen: index, events: events, leaveAt: leaveAt, next: next)
    }

    /// When the next journey starts, after the last screen of one was left at `end`.
    mutating func nextJourneyStart(after end: NIODeadline) -> NIODeadline {
        end + DeviceTime.amount(betweenJourneys.sample(using: &random))
    }
}
