/// Who a WebSocket connection belongs to: the user-id header and the group header (missing
/// group = `--default--`). Raccoon allows one connection per identity.
public struct ConnectionIdentity: Hashable, Sendable, CustomStringConvertible {
    public var id: String
    public var group: String

    public static let defaultGroup = "--default--"

    public init(id: String, group: String?) {
        self.id = id
        self.group = group.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultGroup
    }

    public var description: String { "\(id)/\(group)" }
}

/// Raccoon's connection table: a cap on connections, then one connection per identity.
/// Pure state; the server keeps one behind a lock and touches it only on connect and close.
package struct ConnectionTable: Sendable {
    package enum Registration: Equatable, Sendable {
        case accepted
        case rejectedMaxConnections
        case rejectedDuplicate
    }

    package let maxConnections: Int
    private var active: Set<ConnectionIdentity> = []
    package private(set) var acceptedTotal: UInt64 = 0
    package private(set) var closedTotal: UInt64 = 0
    package private(set) var rejectedMaxConnections: UInt64 = 0
    package private(set) var rejectedDuplicate: UInt64 = 0
    package private(set) var refusedDuringOutage: UInt64 = 0

    package init(maxConnections: Int) {
        self.maxConnections = maxConnections
    }

    package var current: Int { active.count }

    /// Raccoon checks the cap first, then the identity.
    package mutating func register(_ identity: ConnectionIdentity) -> Registration {
        if active.count >= maxConnections {
            rejectedMaxConnections += 1
            return .rejectedMaxConnections
        }
        if active.contains(identity) {
            rejectedDuplicate += 1
            return .rejectedDuplicate
        }
        active.insert(identity)
        acceptedTotal += 1
        return .accepted
    }

    /// Forgets an accepted connection; a second call for the same one does nothing.
    package mutating func unregister(_ identity: ConnectionIdentity) {
        if active.remove(identity) != nil { closedTotal += 1 }
    }

    package mutating func noteRefusedDuringOutage() { refusedDuringOutage += 1 }
}
