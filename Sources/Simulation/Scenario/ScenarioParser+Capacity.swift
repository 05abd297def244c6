/// `capacity`: the knee search's defaults for this scenario.
extension ScenarioParser {
    mutating func capacity(_ value: YAMLValue) -> CapacityPlan {
        var plan = CapacityPlan()
        let keys = ["at_least", "vary", "from", "to", "step_duration", "warm_up", "precision"]
        guard let fields = fields(value, keys: keys) else { return plan }
        if let value = fields["vary"],
            let name = choice(value, among: CapacityPlan.Variable.allCases.map(\.rawValue), what: "load variable")
        {
            plan.vary = CapacityPlan.Variable(rawValue: name)
        }
        if let value = fields["at_least"] { plan.atLeast = quantity(value, as: .count, above: 0) }
        if let value = fields["from"] { plan.from = quantity(value, as: .count, above: 0) }
        if let value = fields["to"] { plan.to = quantity(value, as: .count, above: 0) }
        if let value = fields["step_duration"] { plan.stepDuration = quantity(value, as: .duration, above: 0) }
        if let value = fields["warm_up"] { plan.warmUp = quantity(value, as: .duration) }
        if let value = fields["precision"], let precision = quantity(value, as: .fraction, above: 0) {
            if precision >= 1 {
                fail(value, "must be less than 100%, got '\(value.scalarText ?? "")'")
            } else {
                plan.precision = precision
            }
        }
        if let from = plan.from, let to = plan.to, to < from, let value = fields["to"] {
            fail(value, "must be at least from (\(from)), got '\(value.scalarText ?? "")'")
        }
        return plan
    }
}
