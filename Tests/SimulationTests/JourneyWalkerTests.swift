import NIOCore
import RaccoonWire
import SwarmPrimitives
import Testing

@testable import Simulation

/// The journey walker without an event loop: scripted times and counts, draw order, exits.
@Suite("Journey walker")
struct JourneyWalkerTests {
    static func event(_ contract: String, count: Distribution = .constant(1), gap: Distribution = .zero)
        -> Scenario.ScreenEvent
    {
        var event = Scenario.ScreenEvent(contract: contract)
        event.count = count
        event.gap = gap
        return event
    }

    static func library(_ journeys: [Scenario.Journey]) throws -> ScriptLibrary {
        var scenario = DeviceFixtures.scenario()
        scenario.journeys = journeys
        return try ScriptLibrary(scenario: scenario)
    }

    static func contracts(_ visit: JourneyWalker.ScreenVisit) -> [String] {
        visit.events.map { type(of: $0.template).contractName }
    }

    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func at(_ seconds: Double) -> NIODeadline { start + .nanoseconds(Int64((seconds * 1e9).rounded())) }

    @Test("a screen's events at their scripted times, the leave time, the next screen and the pause")
    func scriptedTimes() throws {
        let home = Scenario.Screen(
            events: [Self.event("ScreenView", count: .constant(2), gap: .constant(1.5)), Self.event("ButtonClick")],
            think: .constant(5), next: [(screen: "list", probability: 1)])
        let list = Scenario.Screen(
            events: [Self.event("ScreenView", count: .constant(3), gap: .constant(0.25))], think: .constant(2),
            next: [(screen: "exit", probability: 1)])
        let library = try Self.library([
            .init(name: "browse", weight: 1, start: "home", screens: ["home": home, "list": list])
        ])
        var walker = JourneyWalker(library: library, betweenJourneys: .constant(3), random: SeededRandom(seed: 1))

        let first = walker.startJourney(at: Self.start)
        #expect(Self.contracts(first) == ["ScreenView", "ScreenView", "ButtonClick"])
        #expect(first.events.map(\.intendedAt) == [Self.at(0), Self.at(1.5), Self.at(0)])
        #expect(first.leaveAt == Self.at(5))
        // Screens are numbered by name: home 0, list 1.
        #expect(first.journey == 0 && first.screen == 0 && first.next == 1)

        let second = walker.enter(journey: first.journey, screen: 1, at: first.leaveAt)
        #expect(second.events.map(\.intendedAt) == [Self.at(5), Self.at(5.25), Self.at(5.5)])
        #expect(second.leaveAt == Self.at(7) && second.next == nil)
        #expect(walker.nextJourneyStart(after: second.leaveAt) == Self.at(10))
    }

    @Test("a count rounds to the nearest whole number and never goes below zero")
    func counts() throws {
        let screen = Scenario.Screen(
            events: [
                Self.event("ScreenView", count: .constant(2.6)), Self.event("AdImpression", count: .constant(0.4)),
                Self.event("ButtonClick", count: .constant(-2)),
            ], think: .constant(1), next: [])
        let library = try Self.library([.init(name: "j", weight: 1, start: "a", screens: ["a": screen])])
        var walker = JourneyWalker(library: library, betweenJourneys: .zero, random: SeededRandom(seed: 2))
        let visit = walker.startJourney(at: Self.start)
        #expect(Self.contracts(visit) == ["ScreenView", "ScreenView", "ScreenView"])
        #expect(visit.next == nil)
    }

    @Test("the journey stream is drawn in a fixed order: journey, counts and gaps, think, next, pause")
    func drawOrder() throws {
        let a = Scenario.Screen(
            events: [
                Self.event("ScreenView", count: .uniform(0, 4), gap: .exponential(mean: 2)),
                Self.event("AdImpression", count: .uniform(1, 3), gap: .uniform(0.1, 0.5)),
            ], think: .exponential(mean: 4),
            next: [(screen: "a", probability: 0.5), (screen: "exit", probability: 0.5)])
        let b = Scenario.Screen(
            events: [Self.event("Search", count: .constant(1))], think: .uniform(1, 2),
            next: [(screen: "exit", probability: 1)])
        let library = try Self.library([
            .init(name: "one", weight: 1, start: "a", screens: ["a": a]),
            .init(name: "two", weight: 3, start: "b", screens: ["b": b]),
        ])
        let pause = Distribution.exponential(mean: 10)
        var walker = JourneyWalker(library: library, betweenJourneys: pause, random: SeededRandom(seed: 77))
        var random = SeededRandom(seed: 77)

        var time = Self.start
        for _ in 0..<50 {
            var visit = walker.startJourney(at: time)
            let journey = library.pickJourney(&random)
            #expect(visit.journey == journey)
            var screen = library.journeys[journey].start
            while true {
                let script = library.journeys[journey].screens[screen]
                var expected: [NIODeadline] = []
                for event in script.events {
                    let count = Int(event.count.sample(using: &random).rounded())
                    var offset = 0.0
                    for _ in 0..<max(0, count) {
                        expected.append(time + DeviceTime.amount(offset))
                        offset += event.gap.sample(using: &random)
                    }
                }
                #expect(visit.events.map(\.intendedAt) == expected)
                let leaveAt = time + DeviceTime.amount(script.think.sample(using: &random))
                #expect(visit.leaveAt == leaveAt)
                let next = library.nextScreen(after: script, &random)
                #expect(visit.next == next)
                time = leaveAt
                guard let next else { break }
                screen = next
                visit = walker.enter(journey: journey, screen: next, at: time)
            }
            let startAt = walker.nextJourneyStart(after: time)
            #expect(startAt == time + DeviceTime.amount(pause.sample(using: &random)))
            time = startAt
        }
    }

    @Test("exits and journey picks follow their probabilities")
    func probabilities() throws {
        let loop = Scenario.Screen(
            events: [], think: .constant(1),
            next: [(screen: "a", probability: 0.25), (screen: "exit", probability: 0.75)])
        let library = try Self.library([
            .init(name: "rare", weight: 1, start: "a", screens: ["a": loop]),
            .init(name: "common", weight: 3, start: "a", screens: ["a": loop]),
        ])
        var walker = JourneyWalker(library: library, betweenJourneys: .zero, random: SeededRandom(seed: 9))
        var visits = 0
        var rare = 0
        let journeys = 4_000
        for _ in 0..<journeys {
            var visit = walker.startJourney(at: Self.start)
            if library.journeys[visit.journey].name == "rare" { rare += 1 }
            visits += 1
            while let next = visit.next {
                visit = walker.enter(journey: visit.journey, screen: next, at: visit.leaveAt)
                visits += 1
            }
        }
        // Each screen exits with 75%: 4,000 journeys take about 5,333 screens.
        #expect(abs(Double(journeys) / Double(visits) - 0.75) < 0.025)
        #expect(abs(Double(rare) / Double(journeys) - 0.25) < 0.025)
    }
}
