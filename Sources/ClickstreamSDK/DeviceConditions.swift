/// What the SDK can see of its phone: battery, network and whether the app is in front.
public struct DeviceConditions: Sendable, Equatable {
    /// Battery level in percent, 0 to 100.
    public var batteryLevel: Double
    public var charging: Bool
    public var networkReachable: Bool
    public var network: NetworkKind
    public var foreground: Bool

    public init(
        batteryLevel: Double = 80, charging: Bool = false, networkReachable: Bool = true,
        network: NetworkKind = .wifi, foreground: Bool = true
    ) {
        self.batteryLevel = batteryLevel
        self.charging = charging
        self.networkReachable = networkReachable
        self.network = network
        self.foreground = foreground
    }

    /// Below the SDK's minimum and not charging.
    public func batteryLow(minimum: Double) -> Bool { batteryLevel < minimum && !charging }
}
