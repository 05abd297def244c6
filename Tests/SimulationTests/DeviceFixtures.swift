import ClickstreamSDK
import SwarmPrimitives

@testable import Simulation

/// Small scenarios and profiles for the device parts' tests.
enum DeviceFixtures {
    /// One journey of one screen with no events, a quiet battery and a network without drops or
    /// offline windows: each test turns on what it looks at.
    static func scenario(seed: UInt64 = 5) -> Scenario {
        var scenario = Scenario(
            name: "device-parts", duration: 3_600, population: .init(devices: 10),
            journeys: [
                .init(
                    name: "j", weight: 1, start: "a", screens: ["a": .init(events: [], think: .constant(1), next: [])])
            ])
        scenario.seed = seed
        scenario.drain = 60
        scenario.battery.drainForeground = 0
        scenario.battery.drainBackground = 0
        scenario.battery.chargeStartPerHour = 0
        return scenario
    }

    /// A quiet network: no drops, no offline windows.
    static let quietNetwork = Scenario.NetworkProfile(
        kind: .wifi, latency: .constant(0.005), jitter: .zero, bandwidth: nil, dropsPerMinute: 0)

    /// Device `index` of `scenario` on `network`, with its battery at `battery` percent, unplugged,
    /// running `flavor` (Android by default: it hears no battery notifications between crossings).
    static func profile(
        _ scenario: Scenario, index: Int = 3, battery: Double = 80, network: Scenario.NetworkProfile = quietNetwork,
        flavor: SDKFlavor = .android
    ) -> DeviceProfile {
        var profile = Population(scenario: scenario).profile(index)
        profile.flavor = flavor
        profile.configuration = scenario.sdkConfiguration(for: flavor)
        profile.initialBattery = battery
        profile.chargingInitially = false
        profile.network = network
        return profile
    }
}
