import ClickstreamSDK
import RaccoonWire

/// `remote_config`: cohorts, their configs and the changes pushed during the run.
extension ScenarioParser {
    static let contractNames = EventContracts.all.map { $0.contractName }

    mutating func remoteConfig(_ value: YAMLValue) -> Scenario.RemoteConfigPlan {
        var plan = Scenario.RemoteConfigPlan()
        guard let fields = fields(value, keys: ["cohorts", "changes"]) else { return plan }
        if let value = fields["cohorts"], let cohorts = cohorts(value) { plan.cohorts = cohorts }
        if let value = fields["changes"], let items = list(value) {
            // A cohort whose entry has other problems still has its name.
            var names = plan.cohorts.map(\.name)
            if plan.cohorts.isEmpty, let cohortsValue = fields["cohorts"], case .sequence(let items) = cohortsValue.node
            {
                names = items.compactMap { $0.mapping?["name"]?.string }
            }
            names = names.enumerated().filter { !names[..<$0.offset].contains($0.element) }.map(\.element)
            if names.isEmpty { names = ["default"] }
            var changes: [Scenario.ConfigChange] = []
            for item in items {
                if let change = configChange(item, cohorts: names) { changes.append(change) }
            }
            plan.changes = changes.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
                .map(\.element)
        }
        return plan
    }

    private mutating func cohorts(_ value: YAMLValue) -> [Scenario.Cohort]? {
        guard let items = list(value) else { return nil }
        var cohorts: [Scenario.Cohort] = []
        var seen: Set<String> = []
        var complete = true
        for item in items {
            guard let fields = fields(item, keys: ["name", "share", "config"], required: ["name", "share"]) else {
                complete = false
                continue
            }
            let name = fields["name"].flatMap { text($0) }
            if let name, let nameValue = fields["name"], !seen.insert(name).inserted {
                fail(nameValue, "cohort '\(name)' is defined twice")
            }
            let share = fields["share"].flatMap { quantity($0, as: .fraction) }
            let config = fields["config"].map { remoteConfigValues($0) } ?? RemoteConfig()
            guard let name, let share else {
                complete = false
                continue
            }
            cohorts.append(Scenario.Cohort(name: name, share: share, config: config))
        }
        guard complete else { return nil }
        guard !cohorts.isEmpty else {
            fail(value, "needs at least one cohort, or leave cohorts out")
            return nil
        }
        let total = cohorts.reduce(0) { $0 + $1.share }
        guard abs(total - 1) <= 0.0001 else {
            fail(value, "cohort shares add up to \(Self.percent(total)), not 100%")
            return nil
        }
        return cohorts
    }

    private mutating func configChange(_ value: YAMLValue, cohorts known: [String]) -> Scenario.ConfigChange? {
        guard let fields = fields(value, keys: ["at", "cohorts", "config"], required: ["at", "config"]) else {
            return nil
        }
        let at = fields["at"].flatMap { quantity($0, as: .duration) }
        var cohorts: [String] = []
        if let value = fields["cohorts"], let items = list(value) {
            for item in items {
                guard let name = text(item) else { continue }
                if known.contains(name) {
                    cohorts.append(name)
                } else {
                    fail(item, NameSuggestion.unknown("cohort", name, among: known))
                }
            }
        }
        let config = fields["config"].map { remoteConfigValues($0) } ?? RemoteConfig()
        guard let at else { return nil }
        return Scenario.ConfigChange(at: at, cohorts: cohorts, config: config)
    }

    /// `classification`, `sampling` and `drop`.
    mutating func remoteConfigValues(_ value: YAMLValue) -> RemoteConfig {
        var config = RemoteConfig()
        guard let fields = fields(value, keys: ["classification", "sampling", "drop"]) else { return config }
        if let value = fields["classification"], let entries = entries(value) {
            for entry in entries where contractName(entry.name, at: entry.key) {
                guard let name = text(entry.value) else { continue }
                guard name != "internal" else {
                    fail(entry.value, "'internal' is reserved for the SDK's own health events")
                    continue
                }
                let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
                guard !name.isEmpty, name.allSatisfy({ allowed.contains($0) }) else {
                    fail(
                        entry.value,
                        "'\(name)' is not an event class; use instant, realTime, standard or a priority name "
                            + "(letters, digits, '_' and '-')")
                    continue
                }
                config.classification[entry.name] = EventClass(name: name)
            }
        }
        if let value = fields["sampling"], let entries = entries(value) {
            for entry in entries where contractName(entry.name, at: entry.key) {
                if let kept = quantity(entry.value, as: .fraction) {
                    config.samplingRates[entry.name] = (kept * 100 * 1e9).rounded() / 1e9
                }
            }
        }
        if let value = fields["drop"], let items = list(value) {
            for item in items {
                if let name = text(item), contractName(name, at: item) { config.dropList.insert(name) }
            }
        }
        return config
    }

    /// Whether `name` is a known contract; if not, says so at `value`.
    mutating func contractName(_ name: String, at value: YAMLValue) -> Bool {
        guard Self.contractNames.contains(name) else {
            fail(value, NameSuggestion.unknown("contract", name, among: Self.contractNames))
            return false
        }
        return true
    }
}
