import ClickstreamSDK

/// `population` (devices, identity, headers, flavors, arrival) and `sdk`.
extension ScenarioParser {
    static let maximumDevices = 1_000_000

    mutating func population(_ value: YAMLValue) -> Scenario.Population? {
        let keys = ["devices", "identity", "headers", "flavors", "arrival"]
        guard let fields = fields(value, keys: keys, required: ["devices"]) else { return nil }
        let devices = fields["devices"].flatMap { integer($0, in: 1...Self.maximumDevices) }
        var population = Scenario.Population(devices: devices ?? 1)
        if let value = fields["identity"], let identity = text(value) {
            if identity.contains("{device}") || identity.contains("{uuid}") {
                population.identity = identity
            } else {
                fail(value, "'\(identity)' must contain {device} or {uuid}, so that each device has its own user id")
            }
        }
        if let value = fields["headers"] { population.headers = headers(value) }
        if let value = fields["flavors"],
            let shares = shares(value, names: SDKFlavor.allCases.map(\.rawValue).sorted(), what: "flavor")
        {
            var flavors: [SDKFlavor: Double] = [:]
            for (name, share) in shares {
                if let flavor = SDKFlavor(rawValue: name) { flavors[flavor] = share }
            }
            population.flavors = flavors
        }
        if let value = fields["arrival"], let arrival = arrival(value, devices: devices) {
            population.arrival = arrival
        }
        return devices == nil ? nil : population
    }

    /// `Name: value` lines; each value a text with `{device}`, `{uuid}` and `${ENV}` (read when
    /// the run starts). Errors name the header, never the value.
    private mutating func headers(_ value: YAMLValue) -> [HeaderTemplate] {
        guard let entries = entries(value) else { return [] }
        var headers: [HeaderTemplate] = []
        for entry in entries {
            guard let text = entry.value.scalarText, !entry.value.isNull, case .scalar = entry.value.node else {
                fail(entry.value, "expected the header's value as a text, got \(entry.value.kindDescription)")
                continue
            }
            let header = HeaderTemplate(name: entry.name, value: text)
            do {
                try header.check()
            } catch {
                fail(entry.key, error.description)
                continue
            }
            if headers.contains(where: { $0.name.lowercased() == entry.name.lowercased() }) {
                fail(entry.key, "\(entry.name) is given twice")
                continue
            }
            headers.append(header)
        }
        return headers
    }

    private mutating func arrival(_ value: YAMLValue, devices: Int?) -> Scenario.Arrival? {
        guard let fields = fields(value, keys: ["stages", "sessions_per_second"]) else { return nil }
        var stages: [Scenario.Stage]?
        if let stagesValue = fields["stages"], let items = list(stagesValue) {
            if items.isEmpty { fail(stagesValue, "needs at least one stage") }
            let parsed = items.compactMap { stage($0, devices: devices) }
            if !items.isEmpty, parsed.count == items.count { stages = parsed }
        }
        var rate: Double?
        if let rateValue = fields["sessions_per_second"] { rate = quantity(rateValue, as: .count, above: 0) }
        switch (fields.has("stages"), fields.has("sessions_per_second")) {
        case (true, true):
            fail(
                at: value.owner, path: value.path,
                "give either stages (closed model) or sessions_per_second (open model), not both")
            return nil
        case (false, false):
            fail(at: value.owner, path: value.path, "needs stages (closed model) or sessions_per_second (open model)")
            return nil
        case (true, false):
            return stages.map { .stages($0) }
        case (false, true):
            return rate.map { .open(sessionsPerSecond: $0) }
        }
    }

    private mutating func stage(_ value: YAMLValue, devices: Int?) -> Scenario.Stage? {
        guard let fields = fields(value, keys: ["to", "over", "hold"]) else { return nil }
        if let holdValue = fields["hold"] {
            if fields.has("to") || fields.has("over") {
                fail(value, "a stage is either {to: N, over: DURATION} or {hold: DURATION}, not both")
                return nil
            }
            guard let hold = quantity(holdValue, as: .duration) else { return nil }
            return Scenario.Stage(target: nil, over: hold, isHold: true)
        }
        guard let toValue = fields["to"] else {
            fail(value, "a stage needs to and over ({to: N, over: DURATION}) or hold ({hold: DURATION})")
            return nil
        }
        guard let overValue = fields["over"] else {
            fail(at: value.owner, path: value.path, "missing required key 'over'")
            return nil
        }
        let over = quantity(overValue, as: .duration)
        var target: Int?
        if toValue.isPlain, toValue.scalarText == "all" {
            target = nil
        } else {
            guard let count = integer(toValue, in: 0...Int.max) else { return nil }
            if let devices, count > devices {
                fail(toValue, "stage target \(count) is above population.devices (\(devices))")
                return nil
            }
            target = count
        }
        guard let over else { return nil }
        return Scenario.Stage(target: target, over: over)
    }

    mutating func sdkOverrides(_ value: YAMLValue) -> Scenario.SDKOverrides {
        var overrides = Scenario.SDKOverrides()
        guard let fields = fields(value, keys: ["android", "ios"]) else { return overrides }
        if let value = fields["android"] { overrides.android = flavorOverrides(value, flavor: .android) }
        if let value = fields["ios"] { overrides.ios = flavorOverrides(value, flavor: .ios) }
        return overrides
    }

    private mutating func flavorOverrides(_ value: YAMLValue, flavor: SDKFlavor) -> Scenario.FlavorOverrides {
        var keys = [
            "min_battery", "batch_period", "ack_timeout", "max_retries", "store_events", "store_size",
            "connect_timeout", "flush_on_background", "close_after_background", "health",
        ]
        let notes: [String: String]
        if flavor == .android {
            keys += ["events_per_batch", "lifecycle_debounce", "ping_interval", "pong_timeout", "sampler"]
            notes = [
                "max_batch_size": "max_batch_size is an iOS setting; Android batches by count (events_per_batch)",
                "retry_while_unavailable": "retry_while_unavailable is an iOS setting; Android always keeps retrying",
            ]
        } else {
            keys += ["max_batch_size", "retry_while_unavailable"]
            notes = [
                "events_per_batch": "events_per_batch is an Android setting; iOS batches by size (max_batch_size)",
                "ping_interval": "ping_interval is an Android setting; the iOS SDK sends no pings",
                "pong_timeout": "pong_timeout is an Android setting; the iOS SDK sends no pings",
                "lifecycle_debounce":
                    "lifecycle_debounce is an Android setting; iOS closes after close_after_background",
                "sampler": "sampler is an Android knob; the iOS SDK always samples",
            ]
        }
        var overrides = Scenario.FlavorOverrides()
        guard let fields = fields(value, keys: keys, notes: notes) else { return overrides }
        if let value = fields["min_battery"] { overrides.minBatteryLevel = quantity(value, as: .percentPoints) }
        if let value = fields["batch_period"] { overrides.batchPeriod = quantity(value, as: .duration, above: 0) }
        if let value = fields["ack_timeout"] { overrides.ackTimeout = quantity(value, as: .duration, above: 0) }
        if let value = fields["max_retries"] { overrides.maxRetriesPerBatch = integer(value, in: 1...Int.max) }
        if let value = fields["events_per_batch"] { overrides.eventsPerBatch = integer(value, in: 1...Int.max) }
        if let value = fields["max_batch_size"] {
            overrides.maxBatchBytes = byteCount(value, minimum: 1, minimumText: "1B")
        }
        if let value = fields["store_events"] { overrides.storeCapacityEvents = integer(value, in: 1...Int.max) }
        if let value = fields["store_size"] {
            overrides.storeCapacityBytes = byteCount(value, minimum: 1, minimumText: "1B")
        }
        if let value = fields["connect_timeout"] {
            overrides.connectTimeout = quantity(value, as: .duration, above: 0)
        }
        if let value = fields["flush_on_background"] { overrides.flushOnBackground = bool(value) }
        if let value = fields["close_after_background"] {
            overrides.closeAfterBackground = quantity(value, as: .duration)
        }
        if let value = fields["lifecycle_debounce"] { overrides.lifecycleDebounce = quantity(value, as: .duration) }
        if let value = fields["health"] { overrides.health = bool(value) }
        if let value = fields["ping_interval"] { overrides.pingInterval = quantity(value, as: .duration) }
        if let value = fields["pong_timeout"] { overrides.pongTimeout = quantity(value, as: .duration, above: 0) }
        if let value = fields["retry_while_unavailable"] { overrides.retryWhileUnavailable = bool(value) }
        if let value = fields["sampler"] { overrides.sampler = bool(value) }
        return overrides
    }
}
