import ClickstreamSDK
import SwarmPrimitives

/// The scenario's devices, each generated on demand from (seed, index).
package struct Population: Sendable {
    package let scenario: Scenario
    private let flavors: [(SDKFlavor, Double)]
    private let networks: [(String, Double)]
    private let cohorts: [(Scenario.Cohort, Double)]

    package init(scenario: Scenario) {
        self.scenario = scenario
        // Dictionaries have no stable order: sort, so the same seed picks the same way.
        flavors = scenario.population.flavors.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key, $0.value) }
        networks = scenario.networks.mix.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let declared = scenario.remoteConfig.cohorts
        cohorts =
            declared.isEmpty
            ? [(Scenario.Cohort(name: "default", share: 1, config: RemoteConfig()), 1)]
            : declared.map { ($0, $0.share) }
    }

    package var count: Int { scenario.population.devices }

    /// Device `index`'s profile; the draws happen in a fixed order from the device's own stream.
    package func profile(_ index: Int) -> DeviceProfile {
        var indexRandom = SeededRandom(seed: scenario.seed, stream: UInt64(index))
        let seed = indexRandom.next()
        var random = SeededRandom(seed: seed, stream: DeviceProfile.Stream.profile.rawValue)
        let flavor = Self.pick(flavors, &random) ?? .android
        let networkName = Self.pick(networks, &random) ?? "wifi"
        let network = scenario.networks.profiles[networkName] ?? Scenario.NetworkProfile.builtIn["wifi"]!
        let cohort = Self.pick(cohorts, &random) ?? cohorts[0].0
        let latency = network.latency.sample(using: &random)
        let battery = min(100, max(0, scenario.battery.initial.sample(using: &random)))
        let charging = random.nextUnit() < scenario.battery.chargingInitially
        let uuid = Self.uuid(&random)
        let identity = scenario.population.identity
            .replacingOccurrences(of: "{device}", with: String(index))
            .replacingOccurrences(of: "{uuid}", with: uuid)
        var profile = DeviceProfile(
            index: index, seed: seed, flavor: flavor, identity: identity, networkName: networkName, network: network,
            latency: latency, cohort: cohort.name, remoteConfig: cohort.config, initialBattery: battery,
            chargingInitially: charging, configuration: scenario.sdkConfiguration(for: flavor))
        profile.headers = scenario.population.headers.map { header in
            DeviceProfile.Header(name: header.name, value: header.value(device: index, uuid: uuid))
        }
        return profile
    }

    /// Picks by share; shares need not sum to exactly 1 (the last entry takes the rest).
    static func pick<T>(_ choices: [(T, Double)], _ random: inout SeededRandom) -> T? {
        guard !choices.isEmpty else { return nil }
        let total = choices.reduce(0) { $0 + $1.1 }
        var point = random.nextUnit() * total
        for (choice, share) in choices {
            if point < share { return choice }
            point -= share
        }
        return choices[choices.count - 1].0
    }

    private static func uuid(_ random: inout SeededRandom) -> String {
        let high = random.next()
        let low = random.next()
        let hex = String(high, radix: 16).leftPadded(to: 16) + String(low, radix: 16).leftPadded(to: 16)
        let characters = Array(hex)
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }
        return groups.joined(separator: "-")
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
