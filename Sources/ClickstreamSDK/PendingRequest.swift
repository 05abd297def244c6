import NIOCore
import RaccoonWire

/// A batch sent and not done with: Android's `CSRetryableCallback` (memory only), iOS's
/// `eventRequest` retry-cache row (persisted).
public struct PendingRequest: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case events
        /// The SDK's own health rows (Android: a batch whose first row is health; iOS: the
        /// internal health batch).
        case health
    }

    public let guid: String
    /// The events it carries, as they were when it was cut: every send writes these.
    public var entries: [EventEntry]
    /// The rows it carries (none for an iOS health batch, which has no rows).
    public var rowIDs: [UInt64]
    public var kind: Kind
    /// Android `retryCount`; iOS `retriesMade`.
    public var retries = 0
    /// Writes that reached a socket: the observer's attempt number.
    public var writes = 0
    /// iOS `timeStamp`: the last send.
    public var lastSent: NIODeadline
    /// Insertion order (iOS `fetchAll` reads the cache in rowid order).
    public var order: UInt64
    /// Android: the foreground session that made it; its acks reach the rows only while that
    /// session lasts (`CSNetworkManager.kt:86-104`).
    public var session: UInt64
    /// Android: the 10 s ack timer's deadline.
    public var timeoutAt: NIODeadline?
    /// Android: its retries ran out on timeouts; it still listens for a late ack.
    public var exhausted = false
    /// iOS: re-inserted by a resend after its ack had removed it; its events are accounted.
    public var answered = false

    /// The events as the funnel names them.
    public var refs: [EventRef] { entries.map(\.ref) }
    /// How many events it carries.
    public var count: Int { entries.count }
}

/// An app event on its way into the store, wrapped and classified by the SDK.
public struct TrackedEvent: Sendable, Equatable {
    public var identity: EventIdentity
    public var eventClass: EventClass
    /// The Raccoon event type, and the contract's name (the iOS `event_name`).
    public var type: String
    public var contractName: String
    /// The type's index in the store's type table, when the SDK knows it already.
    public var typeIndex: UInt16?
    public var intendedAt: NIODeadline
    /// The app's own event timestamp, nanoseconds since 1970.
    public var timestamp: Int64
    /// The Raccoon event, serialized whole or as a recipe.
    public var payload: EventEntry.Payload
    /// Bytes of `event_bytes` (the store-size knob) and of the serialized `Event` (the iOS
    /// regulator).
    public var contractSize: Int
    public var eventSize: Int

    /// A tracked Raccoon event (wrapped per the flavor); `timestamp` in whole seconds.
    public init(guid: String, eventClass: EventClass, event: RaccoonEvent, intendedAt: NIODeadline, timestamp: Int64) {
        let bytes: [UInt8] = (try? event.serializedBytes()) ?? []
        self.init(
            identity: EventIdentity(guid), eventClass: eventClass, type: event.type, contractName: event.eventName,
            intendedAt: intendedAt, timestamp: EventEntry.nanoseconds(seconds: timestamp, nanos: 0),
            payload: .encoded(ByteBuffer(bytes: bytes)), contractSize: event.eventBytes.count, eventSize: bytes.count)
    }

    public init(
        identity: EventIdentity, eventClass: EventClass, type: String, contractName: String, typeIndex: UInt16? = nil,
        intendedAt: NIODeadline, timestamp: Int64, payload: EventEntry.Payload, contractSize: Int, eventSize: Int
    ) {
        self.identity = identity
        self.eventClass = eventClass
        self.type = type
        self.contractName = contractName
        self.typeIndex = typeIndex
        self.intendedAt = intendedAt
        self.timestamp = timestamp
        self.payload = payload
        self.contractSize = contractSize
        self.eventSize = eventSize
    }

    public var guid: String { identity.description }
}
