import NIOCore
import RaccoonWire

/// Builds a `SendEventRequest`'s bytes from a batch's entries: the request's own fields, then
/// each event appended as it is kept (the encoded `Event`, or one wrapped around the bytes the
/// store's payload source rebuilds), exactly as SwiftProtobuf serializes the same request.
struct RequestEncoder {
    /// Room left before the request, for a transport to put its framing in without a copy.
    static let headroom = 16

    /// The request `requestGUID` of `entries`, sent at `sentTime`.
    static func encode(
        requestGUID: String, sentTime: ProtoTimestamp, entries: [EventEntry], tables: DeliveryTables,
        source: (any EventPayloadSource)?
    ) -> ByteBuffer {
        var sizes: [(event: Int, contract: Int)] = []
        sizes.reserveCapacity(entries.count)
        var total = WireWriter.stringFieldSize(requestGUID)
        total += WireWriter.delimitedSize(
            WireWriter.timestampBodySize(seconds: sentTime.seconds, nanos: sentTime.nanos))
        for entry in entries {
            let size = eventSize(entry, tables: tables, source: source)
            sizes.append(size)
            total += WireWriter.delimitedSize(size.event)
        }
        var buffer = ByteBufferAllocator().buffer(capacity: headroom + total)
        buffer.moveWriterIndex(forwardBy: headroom)
        buffer.moveReaderIndex(forwardBy: headroom)
        buffer.writeStringField(1, requestGUID)
        buffer.writeTimestampField(2, seconds: sentTime.seconds, nanos: sentTime.nanos)
        for (entry, size) in zip(entries, sizes) {
            buffer.writeDelimitedTag(3, length: size.event)
            write(entry, size: size, into: &buffer, tables: tables, source: source)
        }
        return buffer
    }

    /// The serialized `Event`'s size, and (for a recipe) its `event_bytes`' size.
    private static func eventSize(_ entry: EventEntry, tables: DeliveryTables, source: (any EventPayloadSource)?)
        -> (event: Int, contract: Int)
    {
        switch entry.payload {
        case .encoded(let bytes):
            return (bytes.readableBytes, 0)
        case .recipe(let recipe, let optionalFields):
            let contract = contractSize(entry, recipe: recipe, source: source)
            var size = contract == 0 ? 0 : WireWriter.delimitedSize(contract)
            size += WireWriter.stringFieldSize(tables.types[entry.ref.typeIndex])
            if optionalFields {
                size += WireWriter.stringFieldSize(tables.types.contractNames[Int(entry.ref.typeIndex)])
                size += WireWriter.stringFieldSize(tables.product)
                size += WireWriter.delimitedSize(
                    WireWriter.timestampBodySize(seconds: entry.seconds, nanos: entry.nanos))
                size += 2  // is_exclusive = true
                size += WireWriter.stringFieldSize(tables.appVersion)
                size += 1 + WireWriter.varintSize(UInt64(RaccoonPlatform.ios.rawValue))
            }
            return (size, contract)
        }
    }

    private static func contractSize(_ entry: EventEntry, recipe: UInt32, source: (any EventPayloadSource)?) -> Int {
        guard let source, case .compact(let guid) = entry.ref.identity else { return 0 }
        return source.contractSize(recipe: recipe, guid: guid, seconds: entry.seconds, nanos: entry.nanos)
    }

    private static func write(
        _ entry: EventEntry, size: (event: Int, contract: Int), into buffer: inout ByteBuffer, tables: DeliveryTables,
        source: (any EventPayloadSource)?
    ) {
        switch entry.payload {
        case .encoded(var bytes):
            buffer.writeBuffer(&bytes)
        case .recipe(let recipe, let optionalFields):
            if size.contract > 0, let source, case .compact(let guid) = entry.ref.identity {
                buffer.writeDelimitedTag(1, length: size.contract)
                source.writeContract(
                    recipe: recipe, guid: guid, seconds: entry.seconds, nanos: entry.nanos, into: &buffer)
            }
            buffer.writeStringField(2, tables.types[entry.ref.typeIndex])
            guard optionalFields else { return }
            buffer.writeStringField(3, tables.types.contractNames[Int(entry.ref.typeIndex)])
            buffer.writeStringField(4, tables.product)
            buffer.writeTimestampField(5, seconds: entry.seconds, nanos: entry.nanos)
            buffer.writeVarintField(7, 1)
            buffer.writeStringField(8, tables.appVersion)
            buffer.writeVarintField(9, UInt64(RaccoonPlatform.ios.rawValue))
        }
    }
}
