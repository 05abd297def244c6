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
        /// Its index in `templates`.
        package var templateID: Int
        package var count: Distribution
        package var gap: Distribution
    }

    /// A template as devices rebuild its events' bytes (`EventRecipes`): its contract's own
    /// fields (4 and up) serialized once, to follow the guid, timestamp and context each event
    /// gets. `tail` is nil when that would not give SwiftProtobuf's bytes for it (checked here
    /// once): its events are then serialized whole.
    package struct Template: Sendable {
        package var message: any EventContract
        package var tail: [UInt8]?
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
    /// Every screen event's template, then AppOpened warm and cold (`appOpenedTemplate`).
    package var templates: [Template] = []

    package init(scenario: Scenario) throws(TemplateError) {
        var journeys: [Journey] = []
        var templates: [Template] = []
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
                        events.append(
                            Event(template: template, templateID: templates.count, count: event.count, gap: event.gap))
                        templates.append(Self.template(template))
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
        for coldStart in [false, true] {
            var opened = AppOpened()
            opened.coldStart = coldStart
            templates.append(Self.template(opened))
        }
        self.templates = templates
    }

    /// The template of AppOpened for a warm or cold start.
    package var appOpenedTemplate: (warm: Int, cold: Int) { (templates.count - 2, templates.count - 1) }

    /// `message` with its own fields serialized, if guid + timestamp + context + those fields
    /// give SwiftProtobuf's serialization of a stamped event (tried on one).
    static func template(_ message: any EventContract) -> Template {
        var probe = message
        probe.eventGuid = ""
        guard let bytes = try? probe.serializedBytes() as [UInt8],
            let tail = bytes.withUnsafeBytes({ ProtoFieldScanner.fields(numberedFrom: 4, in: $0) })
        else { return Template(message: message, tail: nil) }
        var context = EventContext()
        context.userID = "probe"
        context.device.batteryLevel = 42
        context.session.sessionID = "probe-s1"
        context.session.startedAt = ProtoTimestamp(seconds: 1_767_225_600, nanos: 5)
        probe.eventGuid = EventGUID(run: 0xDEAD_BEEF, device: 77, sequence: 12_345).description
        probe.eventTimestamp = ProtoTimestamp(seconds: 1_767_225_601, nanos: 123_456_789)
        probe.context = context
        guard let whole = try? probe.serializedBytes() as [UInt8],
            let contextBytes = try? context.serializedBytes() as [UInt8]
        else { return Template(message: message, tail: nil) }
        var rebuilt: [UInt8] = [0x0A, 36] + Array(probe.eventGuid.utf8)
        rebuilt += [0x12, 11, 0x08] + varint(1_767_225_601) + [0x10] + varint(123_456_789)
        rebuilt += [0x1A] + varint(UInt64(contextBytes.count)) + contextBytes + tail
        return Template(message: message, tail: rebuilt == whole ? tail : nil)
    }

    private static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value | 0x80))
            value >>= 7
        }
        bytes.append(UInt8(value))
        return bytes
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
