/// A device group: SDK flavor (`ios`, `android`) and network profile name.
public struct DeviceGroup: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var flavor: String
    public var network: String

    public init(flavor: String, network: String) {
        self.flavor = flavor
        self.network = network
    }

    public var description: String { "\(flavor)/\(network)" }

    public static func < (lhs: DeviceGroup, rhs: DeviceGroup) -> Bool {
        (lhs.flavor, lhs.network) < (rhs.flavor, rhs.network)
    }
}
