/// A device group: SDK flavor (`ios`, `android`) and network profile name.
package struct DeviceGroup: Sendable, Hashable, Comparable, CustomStringConvertible {
    package var flavor: String
    package var network: String

    package init(flavor: String, network: String) {
        self.flavor = flavor
        self.network = network
    }

    package var description: String { "\(flavor)/\(network)" }

    package static func < (lhs: DeviceGroup, rhs: DeviceGroup) -> Bool {
        (lhs.flavor, lhs.network) < (rhs.flavor, rhs.network)
    }
}
