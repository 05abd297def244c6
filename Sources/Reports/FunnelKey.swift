/// An event type on a device group: the key of the funnel counters.
public struct FunnelKey: Sendable, Hashable, Comparable {
    public var eventType: String
    public var group: DeviceGroup

    public init(eventType: String, group: DeviceGroup) {
        self.eventType = eventType
        self.group = group
    }

    public static func < (lhs: FunnelKey, rhs: FunnelKey) -> Bool {
        (lhs.eventType, lhs.group) < (rhs.eventType, rhs.group)
    }
}
