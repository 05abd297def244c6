import ClickstreamSDK
import SwarmPrimitives

/// Everything fixed about one simulated phone, drawn from its own generator seeded by
/// (scenario seed, index): device i is the same whatever the device count (DESIGN principle 4).
public struct DeviceProfile: Sendable, Equatable {
    public var index: Int
    /// The device's own seed; every random stream of the device derives from it.
    public var seed: UInt64
    public var flavor: SDKFlavor
    /// The `X-User-ID` the SDK sends.
    public var identity: String
    public var networkName: String
    public var network: Scenario.NetworkProfile
    /// One-way base latency of this device's link (seconds), drawn from the profile.
    public var latency: Double
    public var cohort: String
    public var remoteConfig: RemoteConfig
    /// Battery level at the start, in percent.
    public var initialBattery: Double
    public var chargingInitially: Bool
    public var configuration: SDKConfiguration

    /// The independent random streams a device uses while it runs.
    public enum Stream: UInt64, Sendable {
        case profile = 0
        case journeys = 1
        case lifecycle = 2
        case battery = 3
        case network = 4
        case link = 5
        case sampling = 6
    }

    /// A generator for one purpose, independent of the others.
    public func random(_ stream: Stream) -> SeededRandom {
        SeededRandom(seed: seed, stream: stream.rawValue)
    }
}
