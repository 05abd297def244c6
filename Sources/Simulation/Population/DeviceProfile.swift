import ClickstreamSDK
import SwarmPrimitives

/// Everything fixed about one simulated phone, drawn from its own generator seeded by
/// (scenario seed, index): device i is the same whatever the device count (DESIGN principle 4).
package struct DeviceProfile: Sendable, Equatable {
    package var index: Int
    /// The device's own seed; every random stream of the device derives from it.
    package var seed: UInt64
    package var flavor: SDKFlavor
    /// The `X-User-ID` the SDK sends.
    package var identity: String
    /// `population.headers` for this device, expanded; sent after the identity. Never printed.
    package var headers: [Header] = []
    package var networkName: String
    package var network: Scenario.NetworkProfile
    /// One-way base latency of this device's link (seconds), drawn from the profile.
    package var latency: Double
    package var cohort: String
    package var remoteConfig: RemoteConfig
    /// Battery level at the start, in percent.
    package var initialBattery: Double
    package var chargingInitially: Bool
    package var configuration: SDKConfiguration

    /// One connection header; its value may be a secret.
    package struct Header: Sendable, Equatable {
        package var name: String
        package var value: String
    }

    /// The independent random streams a device uses while it runs.
    package enum Stream: UInt64, Sendable {
        case profile = 0
        case journeys = 1
        case lifecycle = 2
        case battery = 3
        case network = 4
        case link = 5
        case sampling = 6
    }

    /// A generator for one purpose, independent of the others.
    package func random(_ stream: Stream) -> SeededRandom {
        SeededRandom(seed: seed, stream: stream.rawValue)
    }
}
