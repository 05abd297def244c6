import NIOCore
import RaccoonWire

/// A device's persistent store (Room on Android, SQLite on iOS), owned by the device rather
/// than the SDK instance so that it survives an app kill; the next SDK instance opens it again.
/// Upstream it has no bound; `capacityEvents` and `capacityBytes` are a ClickSwarm knob
/// (`Int.max`, the default, for none).
public final class EventStore {
    /// The tables; the SDK's delivery state machine reads and writes them.
    public var tables: DeliveryTables
    /// Rebuilds the `event_bytes` of the events stored as recipes (the app that tracks them).
    public weak var payloadSource: (any EventPayloadSource)?

    public init(capacityEvents: Int = .max, capacityBytes: Int = .max) {
        tables = DeliveryTables(capacityEvents: capacityEvents, capacityBytes: capacityBytes)
    }

    public var capacityEvents: Int { tables.capacityEvents }
    public var capacityBytes: Int { tables.capacityBytes }

    /// Stored rows, in flight or not.
    public var count: Int { tables.count }
    public var bytes: Int { tables.bytes }

    /// Inserts an event as the SDK would (for tests and tools).
    @discardableResult
    public func insert(guid: String, eventClass: EventClass, event: RaccoonEvent, intendedAt: NIODeadline)
        -> DeliveryTables.InsertResult
    {
        tables.insert(guid: guid, eventClass: eventClass, event: event, intendedAt: intendedAt)
    }

    public func row(_ id: UInt64) -> StoredEvent? { tables.row(id).map { rebuilt($0) } }

    /// Every row, oldest first (for accounting what is pending at the end of a run). Rows in
    /// flight, and the iOS retry cache's rows, are here too until acked or dropped.
    public var allRows: [StoredEvent] { tables.allRows.map { rebuilt($0) } }

    /// A row kept as a recipe with its Raccoon event rebuilt by the payload source.
    private func rebuilt(_ row: StoredEvent) -> StoredEvent {
        guard let entry = tables.entry(row.id), case .recipe = entry.payload else { return row }
        var request = RequestEncoder.encode(
            requestGUID: "", sentTime: ProtoTimestamp(), entries: [entry], tables: tables, source: payloadSource)
        var row = row
        if let bytes = request.readBytes(length: request.readableBytes),
            let decoded = try? SendEventRequest(serializedBytes: bytes), let event = decoded.events.first
        {
            row.event = event
        }
        return row
    }

    /// The iOS retry cache (empty for Android once its app is killed).
    public var requests: [PendingRequest] { tables.requestsInOrder }

    /// The health table.
    public var health: HealthTracker { tables.health }
}
