import ClickstreamSDK

/// What the devices live in: `battery`, `networks` and `lifecycle`.
extension ScenarioParser {
    mutating func battery(_ value: YAMLValue) -> Scenario.Battery {
        var battery = Scenario.Battery()
        guard let fields = fields(value, keys: ["initial", "drain_per_hour", "charging"]) else { return battery }
        if let value = fields["initial"], let initial = distribution(value, as: .percentPoints) {
            battery.initial = initial
        }
        if let value = fields["drain_per_hour"], let drain = self.fields(value, keys: ["foreground", "background"]) {
            if let value = drain["foreground"], let rate = quantity(value, as: .percentPoints) {
                battery.drainForeground = rate
            }
            if let value = drain["background"], let rate = quantity(value, as: .percentPoints) {
                battery.drainBackground = rate
            }
        }
        if let value = fields["charging"],
            let charging = self.fields(value, keys: ["start_per_hour", "rate_per_hour", "duration", "initially"])
        {
            if let value = charging["start_per_hour"], let chance = quantity(value, as: .fraction) {
                battery.chargeStartPerHour = chance
            }
            if let value = charging["rate_per_hour"], let rate = quantity(value, as: .percentPoints) {
                battery.chargeRate = rate
            }
            if let value = charging["duration"], let duration = distribution(value, as: .duration) {
                battery.chargeDuration = duration
            }
            if let value = charging["initially"], let share = quantity(value, as: .fraction) {
                battery.chargingInitially = share
            }
        }
        return battery
    }

    mutating func networks(_ value: YAMLValue) -> Scenario.Networks {
        var networks = Scenario.Networks()
        guard let fields = fields(value, keys: ["profiles", "mix"]) else { return networks }
        if let value = fields["profiles"], let entries = entries(value) {
            for entry in entries {
                if let profile = networkProfile(entry.value, builtIn: Scenario.NetworkProfile.builtIn[entry.name]) {
                    networks.profiles[entry.name] = profile
                }
            }
        }
        if let value = fields["mix"] {
            // A profile that failed to parse is still a name the mix may use.
            var names = Set(networks.profiles.keys)
            if let profiles = fields["profiles"], case .mapping(let mapping) = profiles.node {
                for key in mapping.keys { if let name = key.string { names.insert(name) } }
            }
            if let shares = shares(value, names: names.sorted(), what: "network profile") {
                networks.mix = Dictionary(shares.map { ($0.name, $0.share) }, uniquingKeysWith: { $1 })
            }
        }
        return networks
    }

    /// A custom profile (`builtIn` nil: `kind` required) or changes to a built-in one.
    private mutating func networkProfile(_ value: YAMLValue, builtIn: Scenario.NetworkProfile?) -> Scenario
        .NetworkProfile?
    {
        let keys = ["kind", "latency", "jitter", "bandwidth", "drops_per_minute", "offline"]
        guard let fields = fields(value, keys: keys, required: builtIn == nil ? ["kind"] : []) else { return nil }
        var kind = builtIn?.kind
        if let value = fields["kind"],
            let name = choice(value, among: NetworkKind.allCases.map(\.rawValue), what: "network kind")
        {
            kind = NetworkKind(rawValue: name)
        }
        var profile = Scenario.NetworkProfile(
            kind: kind ?? .wifi, latency: builtIn?.latency ?? .constant(0), jitter: builtIn?.jitter ?? .constant(0),
            bandwidth: builtIn?.bandwidth, dropsPerMinute: builtIn?.dropsPerMinute ?? 0,
            offlineEvery: builtIn?.offlineEvery, offlineFor: builtIn?.offlineFor)
        if let value = fields["latency"], let latency = distribution(value, as: .duration) { profile.latency = latency }
        if let value = fields["jitter"], let jitter = distribution(value, as: .duration) { profile.jitter = jitter }
        if let value = fields["bandwidth"] {
            if value.isPlain, value.scalarText == "unlimited" {
                profile.bandwidth = nil
            } else if let bandwidth = quantity(value, as: .bytes, above: 0) {
                profile.bandwidth = bandwidth
            }
        }
        if let value = fields["drops_per_minute"], let drops = quantity(value, as: .fraction) {
            profile.dropsPerMinute = drops
        }
        if let value = fields["offline"],
            let offline = self.fields(value, keys: ["every", "for"], required: ["every", "for"])
        {
            if let value = offline["every"], let every = distribution(value, as: .duration) {
                profile.offlineEvery = every
            }
            if let value = offline["for"], let length = distribution(value, as: .duration) {
                profile.offlineFor = length
            }
        }
        return kind == nil ? nil : profile
    }

    mutating func lifecycle(_ value: YAMLValue) -> Scenario.Lifecycle {
        var lifecycle = Scenario.Lifecycle()
        let keys = ["session", "background", "kill_in_background", "between_journeys", "app_opened_event"]
        guard let fields = fields(value, keys: keys) else { return lifecycle }
        if let value = fields["session"], let session = distribution(value, as: .duration) {
            lifecycle.session = session
        }
        if let value = fields["background"], let background = distribution(value, as: .duration) {
            lifecycle.background = background
        }
        if let value = fields["kill_in_background"], let chance = quantity(value, as: .fraction) {
            lifecycle.killInBackground = chance
        }
        if let value = fields["between_journeys"], let pause = distribution(value, as: .duration) {
            lifecycle.betweenJourneys = pause
        }
        if let value = fields["app_opened_event"], let track = bool(value) { lifecycle.appOpenedEvent = track }
        return lifecycle
    }
}
