/// An event type on a device group: the key of the funnel counters.
package struct FunnelKey: Sendable, Hashable, Comparable {
    package var eventType: String
    package var group: DeviceGroup

    package init(eventType: String, group: DeviceGroup) {
        self.eventType = eventType
        self.group = group
    }

    package static func < (lhs: FunnelKey, rhs: FunnelKey) -> Bool {
        (lhs.eventType, lhs.group) < (rhs.eventType, rhs.group)
    }
}
