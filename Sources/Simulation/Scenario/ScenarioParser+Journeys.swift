import RaccoonWire
import SwarmPrimitives

/// `journeys`: weighted screen graphs, each screen with its think time, events and next screens.
extension ScenarioParser {
    /// The `next` target that ends a journey.
    static let exitScreen = "exit"

    mutating func journeys(_ value: YAMLValue) -> [Scenario.Journey]? {
        guard let items = list(value) else { return nil }
        guard !items.isEmpty else {
            fail(value, "needs at least one journey")
            return nil
        }
        var journeys: [Scenario.Journey] = []
        var seen: Set<String> = []
        var unique = true
        for item in items {
            if let name = item.node.mapping?["name"]?.string, !seen.insert(name).inserted {
                fail(item, "journey '\(name)' is defined twice")
                unique = false
            }
            if let journey = journey(item) { journeys.append(journey) }
        }
        return unique && journeys.count == items.count ? journeys : nil
    }

    private mutating func journey(_ value: YAMLValue) -> Scenario.Journey? {
        let keys = ["name", "weight", "start", "screens"]
        guard let fields = fields(value, keys: keys, required: ["name", "start", "screens"]) else { return nil }
        let name = fields["name"].flatMap { text($0) }
        var weight: Double? = 1
        if let value = fields["weight"] { weight = quantity(value, as: .count, above: 0) }
        var screens: [String: Scenario.Screen]?
        var screenNames: [String] = []
        if let value = fields["screens"], let entries = entries(value) {
            screenNames = entries.map(\.name)
            var parsed: [String: Scenario.Screen] = [:]
            for entry in entries {
                guard entry.name != Self.exitScreen else {
                    fail(entry.key, "'exit' is reserved for ending the journey; give the screen another name")
                    continue
                }
                if let screen = screen(entry.value, screens: screenNames) { parsed[entry.name] = screen }
            }
            if entries.isEmpty {
                fail(value, "needs at least one screen")
            } else if parsed.count == entries.count {
                screens = parsed
            }
        }
        var start: String?
        if let value = fields["start"], let text = text(value) {
            let names = screenNames.filter { $0 != Self.exitScreen }
            if names.contains(text) {
                start = text
            } else if text == Self.exitScreen {
                fail(value, "'exit' ends a journey; start must be one of its screens: \(names.joined(separator: ", "))")
            } else if fields.has("screens") {
                fail(value, NameSuggestion.unknown("start screen", text, among: names))
            }
        }
        guard let name, let weight, let start, let screens else { return nil }
        return Scenario.Journey(name: name, weight: weight, start: start, screens: screens)
    }

    private mutating func screen(_ value: YAMLValue, screens: [String]) -> Scenario.Screen? {
        guard let fields = fields(value, keys: ["think", "events", "next"]) else { return nil }
        var think: Distribution? = .constant(1)
        if let value = fields["think"] { think = distribution(value, as: .duration) }
        var events: [Scenario.ScreenEvent]? = []
        if let value = fields["events"] {
            if let items = list(value) {
                let parsed = items.compactMap { screenEvent($0) }
                events = parsed.count == items.count ? parsed : nil
            } else {
                events = nil
            }
        }
        var next: [(screen: String, probability: Double)]? = [(Self.exitScreen, 1)]
        if let value = fields["next"] {
            let allowed = screens.filter { $0 != Self.exitScreen } + [Self.exitScreen]
            next = shares(value, names: allowed, what: "screen")?
                .map { (screen: $0.name, probability: $0.share) }
                .sorted { $0.screen < $1.screen }
        }
        guard let think, let events, let next else { return nil }
        return Scenario.Screen(events: events, think: think, next: next)
    }

    private mutating func screenEvent(_ value: YAMLValue) -> Scenario.ScreenEvent? {
        let keys = ["contract", "count", "gap", "attributes"]
        guard let fields = fields(value, keys: keys, required: ["contract"]) else { return nil }
        var contract: (any EventContract.Type)?
        if let value = fields["contract"], let name = text(value), contractName(name, at: value) {
            contract = EventContracts.all.first { $0.contractName == name }
        }
        var count: Distribution? = .constant(1)
        if let value = fields["count"] { count = distribution(value, as: .count) }
        var gap: Distribution? = .constant(0)
        if let value = fields["gap"] { gap = distribution(value, as: .duration) }
        var attributes: String? = "{}"
        if let value = fields["attributes"] {
            attributes = contract.flatMap { attributesJSON(value, contract: $0) }
        }
        guard let contract, let count, let gap, let attributes else { return nil }
        var event = Scenario.ScreenEvent(contract: contract.contractName)
        event.count = count
        event.gap = gap
        event.attributesJSON = attributes
        return event
    }
}
