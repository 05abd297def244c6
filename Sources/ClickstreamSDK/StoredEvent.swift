import NIOCore
import RaccoonWire

/// An event's guid as the SDK keeps it: a ClickSwarm guid as its three numbers (16 bytes, no
/// string), anything else as the text.
public enum EventIdentity: Sendable, Hashable, CustomStringConvertible {
    case compact(EventGUID)
    case text(String)

    /// `compact` when `text` is a ClickSwarm guid in its canonical (lowercase) form, so that the
    /// text comes back the same.
    public init(_ text: String) {
        if let guid = EventGUID(text), guid.description == text {
            self = .compact(guid)
        } else {
            self = .text(text)
        }
    }

    public var description: String {
        switch self {
        case .compact(let guid): return guid.description
        case .text(let text): return text
        }
    }
}

/// An event as the funnel names it: enough for the observer, whichever table holds it. Its type
/// is an index into the store's type table (`DeliveryTables.types`), so that no string is
/// copied per event.
public struct EventRef: Sendable, Equatable {
    public var identity: EventIdentity
    public var typeIndex: UInt16
    public var intendedAt: NIODeadline

    public init(identity: EventIdentity, typeIndex: UInt16, intendedAt: NIODeadline) {
        self.identity = identity
        self.typeIndex = typeIndex
        self.intendedAt = intendedAt
    }

    /// The guid's text.
    public var guid: String { identity.description }
}

/// The Raccoon event types a store has seen, each with its contract's name (the iOS
/// `event_name`), by index: rows and refs keep the index.
public struct EventTypeTable: Sendable, Equatable {
    public private(set) var names: [String] = []
    public private(set) var contractNames: [String] = []
    private var indexes: [String: UInt16] = [:]

    public init() {}

    public subscript(index: UInt16) -> String { names[Int(index)] }

    /// The index of `type`, added (with its contract name) if new.
    public mutating func index(of type: String, contractName: String = "") -> UInt16 {
        if let index = indexes[type] { return index }
        let index = UInt16(names.count)
        names.append(type)
        contractNames.append(contractName)
        indexes[type] = index
        return index
    }
}

/// Where the `event_bytes` of events stored as recipes come from: the app that tracked them
/// rebuilds the exact bytes from what the recipe names (a template, a context) and the event's
/// guid and timestamp. Events are a function of seed, device and sequence in ClickSwarm, so a
/// store keeps a few numbers per event instead of its few hundred bytes.
public protocol EventPayloadSource: AnyObject {
    /// The size of the serialized contract.
    func contractSize(recipe: UInt32, guid: EventGUID, seconds: Int64, nanos: Int32) -> Int
    /// Appends the serialized contract, exactly `contractSize` bytes.
    func writeContract(recipe: UInt32, guid: EventGUID, seconds: Int64, nanos: Int32, into buffer: inout ByteBuffer)
}

/// One event in a batch or a request: its ref, its timestamp and how its Raccoon `Event` is
/// made. A request keeps these, not the rows: a batch of an ended Android session goes on
/// resending its events after their rows were acked in a later batch.
public struct EventEntry: Sendable, Equatable {
    public enum Payload: Sendable, Equatable {
        /// The whole serialized Raccoon `Event` (events tracked as contracts, health events).
        case encoded(ByteBuffer)
        /// `event_bytes` rebuilt by the store's `EventPayloadSource`; the SDK wraps them in the
        /// `Event` (with the iOS optional fields when `optionalFields`).
        case recipe(UInt32, optionalFields: Bool)
    }

    public var ref: EventRef
    /// The contract's timestamp, in nanoseconds since 1970 (the Android sort key is its seconds).
    public var timestamp: Int64
    public var payload: Payload

    public init(ref: EventRef, timestamp: Int64, payload: Payload) {
        self.ref = ref
        self.timestamp = timestamp
        self.payload = payload
    }

    /// Whole seconds of the timestamp (rounded down).
    public var seconds: Int64 { Self.seconds(timestamp) }
    public var nanos: Int32 { Int32(timestamp - Self.seconds(timestamp) * 1_000_000_000) }

    static func seconds(_ nanoseconds: Int64) -> Int64 {
        let seconds = nanoseconds / 1_000_000_000
        return nanoseconds < 0 && seconds * 1_000_000_000 != nanoseconds ? seconds - 1 : seconds
    }

    /// A timestamp in nanoseconds since 1970, saturated at the ends of the range.
    public static func nanoseconds(seconds: Int64, nanos: Int32) -> Int64 {
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(Int64(nanos)).overflow ? .max : scaled + Int64(nanos)
    }
}

/// One stored event, as the tests and tools read it (the store keeps it compactly).
public struct StoredEvent: Sendable, Equatable {
    /// Stable identity within the store (insertion order).
    public let id: UInt64
    public let guid: String
    public let eventClass: EventClass
    /// The Raccoon event type.
    public let type: String
    /// When the app intended the event (for latency from intended creation time).
    public let intendedAt: NIODeadline
    /// The event's own timestamp in whole seconds (Android's `eventTimeStamp`, its sort key).
    public let timestamp: Int64
    /// One of the SDK's own health rows (Android keeps them in the event table).
    public let isHealth: Bool
    /// The req_guid of the batch it is in flight with (Android `isOnGoing`; iOS: it sits in
    /// the retry cache), if any.
    public let inFlight: String?
    /// The last req_guid it was batched under (Android `eventRequestGuid`); kept on release.
    public let requestGUID: String?
    /// SQLite rowid: `INSERT OR REPLACE` gives a new one, `UPDATE` keeps it.
    public let rowid: UInt64
    /// Written to a socket at least once (so its next send may be a duplicate).
    public let written: Bool
    /// Bytes of `event_bytes`, for the store-size knob.
    public let size: Int
    /// The Raccoon event (`EventStore.row` and `allRows` rebuild one stored as a recipe; the
    /// tables alone give only its type then).
    public internal(set) var event: RaccoonEvent
}
