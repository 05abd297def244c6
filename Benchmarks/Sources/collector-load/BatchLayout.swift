import Foundation
import NIOCore
import RaccoonWire

/// The one `SendEventRequest` this run sends, serialized once, and where its variable parts sit.
///
/// Serializing a request with SwiftProtobuf for every send would cost the load tool about what
/// decoding it costs the collector, and then the benchmark measures the generator. So the request
/// is built and serialized once per run; every guid in it has a fixed width (36 characters for an
/// `EventGUID`, 30 for the req_guid), so changing one never moves a byte around it:
///
/// - once per connection, `connectionPayload` copies the bytes and writes the run and device
///   (the connection's index) into every event guid and the run and connection into the req_guid
///   (`ConnectionBatches` then frames and masks it once);
/// - once per send, `patch` writes 12 hex digits of sequence number into each event guid and of
///   batch number into the req_guid, in place.
///
/// Every event the collector sees thus has a distinct guid (run, device, sequence), so its
/// unique-delivery count can be checked against the acks. The event timestamps and `sent_time`
/// stay those of the moment the template was built.
struct BatchLayout: Sendable {
    /// The Raccoon event type of every event.
    static let eventType = EventContracts.eventType(for: ButtonClick.self, appPrefix: "clickswarm")

    /// req_guid: `RRRRRRRR-CCCCCCCC-BBBBBBBBBBBB`, run, connection and batch number in hex.
    static let reqGUIDLength = 30
    static let reqGUIDBatchOffset = 18
    /// `EventGUID` text: the sequence number is the last 12 hex digits.
    static let guidLength = 36
    static let guidSequenceOffset = 24

    /// The serialized request, with placeholder guids.
    let bytes: [UInt8]
    /// Where each event's 36-character guid starts in `bytes`.
    let guidOffsets: [Int]
    /// Where the req_guid starts in `bytes`.
    let reqGUIDOffset: Int
    /// The size of one event's `event_bytes` (the serialized `ButtonClick`).
    let eventBytesSize: Int

    var eventsPerBatch: Int { guidOffsets.count }

    struct LayoutError: Error, CustomStringConvertible {
        var description: String
    }

    /// Builds the request: `eventsPerBatch` `ButtonClick` events whose `event_bytes` are about
    /// `eventSize` bytes (the label pads them; under about 40 bytes the event has no context).
    init(eventsPerBatch: Int, eventSize: Int) throws {
        let now = Date().timeIntervalSince1970
        let timestamp = ProtoTimestamp(seconds: Int64(now), nanos: Int32((now - now.rounded(.down)) * 1e9))
        let placeholderGUIDs = (0..<eventsPerBatch).map {
            EventGUID(run: 0, device: 0, sequence: UInt64($0)).description
        }
        let reqGUID =
            String(repeating: "0", count: 8) + "-" + String(repeating: "0", count: 8) + "-"
            + String(repeating: "0", count: 12)
        var request = SendEventRequest()
        request.reqGuid = reqGUID
        request.sentTime = timestamp
        var eventBytesSize = 0
        request.events = try placeholderGUIDs.map { guid in
            let click = try Self.makeClick(guid: guid, timestamp: timestamp, targetSize: eventSize)
            var event = RaccoonEvent()
            event.eventBytes = Data(try click.serializedBytes() as [UInt8])
            event.type = Self.eventType
            eventBytesSize = event.eventBytes.count
            return event
        }
        let bytes: [UInt8] = try request.serializedBytes()

        var guidOffsets: [Int] = []
        var searchFrom = 0
        for guid in placeholderGUIDs {
            guard let offset = Self.find(Array(guid.utf8), in: bytes, from: searchFrom) else {
                throw LayoutError(description: "event guid \(guid) not found in the serialized request")
            }
            guidOffsets.append(offset)
            searchFrom = offset + Self.guidLength
        }
        guard let reqGUIDOffset = Self.find(Array(reqGUID.utf8), in: bytes, from: 0) else {
            throw LayoutError(description: "req_guid not found in the serialized request")
        }
        self.bytes = bytes
        self.guidOffsets = guidOffsets
        self.reqGUIDOffset = reqGUIDOffset
        self.eventBytesSize = eventBytesSize
    }

    /// A `ButtonClick` padded (through its label) to about `targetSize` serialized bytes.
    private static func makeClick(guid: String, timestamp: ProtoTimestamp, targetSize: Int) throws -> ButtonClick {
        var click = ButtonClick()
        click.eventGuid = guid
        click.eventTimestamp = timestamp
        click.buttonID = "book_ride"
        click.position = 3
        var full = click
        full.screenName = "ride_home"
        var context = EventContext()
        context.device.deviceID = "load-device"
        context.device.os = .android
        context.device.osVersion = "14"
        context.device.manufacturer = "Pixel"
        context.device.model = "8a"
        context.device.batteryLevel = 80
        context.device.network = .wifi
        context.device.locale = "en_ID"
        context.app.appID = "com.example.superapp"
        context.app.version = "5.12.0"
        context.app.build = 51200
        context.app.sdkFlavor = "clickstream-android"
        context.app.sdkVersion = "2.3.1"
        context.userID = "user-load"
        full.context = context
        if try (full.serializedBytes() as [UInt8]).count <= targetSize { click = full }
        // The label's length prefix grows at 128 bytes, so settle in a few steps.
        for _ in 0..<4 {
            let size = try (click.serializedBytes() as [UInt8]).count
            let padding = click.label.utf8.count + targetSize - size
            if size == targetSize || padding < 0 { break }
            click.label = String(repeating: "x", count: padding)
        }
        return click
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }

    /// The request as one connection sends it: run and device in every event guid, run and
    /// connection in the req_guid; sequence and batch numbers still zero.
    func connectionPayload(run: UInt32, device: UInt32, connection: UInt32) -> [UInt8] {
        var bytes = self.bytes
        let prefix = Array(EventGUID(run: run, device: device, sequence: 0).description.utf8)
        bytes.withUnsafeMutableBytes { raw in
            for offset in guidOffsets {
                for index in 0..<Self.guidSequenceOffset { raw[offset + index] = prefix[index] }
            }
            Self.writeHex(UInt64(run), digits: 8, into: raw, at: reqGUIDOffset, mask: nil)
            Self.writeHex(UInt64(connection), digits: 8, into: raw, at: reqGUIDOffset + 9, mask: nil)
        }
        return bytes
    }

    /// Writes the batch number into the req_guid and sequence numbers `firstSequence...` into the
    /// event guids of a payload that starts at `payloadStart` in `raw`; `mask`, when given, is
    /// the frame's masking key rotated so that `mask[index & 3]` masks the byte at `index` of `raw`.
    func patch(
        _ raw: UnsafeMutableRawBufferPointer,
        payloadStart: Int,
        batch: UInt64,
        firstSequence: UInt64,
        mask: [UInt8]?
    ) {
        let reqOffset = reqGUIDOffset + Self.reqGUIDBatchOffset
        Self.writeHex(batch, digits: 12, into: raw, at: payloadStart + reqOffset, mask: mask)
        var sequence = firstSequence
        for offset in guidOffsets {
            Self.writeHex(
                sequence, digits: 12, into: raw, at: payloadStart + offset + Self.guidSequenceOffset, mask: mask)
            sequence += 1
        }
    }

    /// The batch number in a req_guid this layout wrote, or `nil` for any other req_guid.
    static func batchNumber(inReqGUID bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard bytes.count == reqGUIDLength else { return nil }
        var value: UInt64 = 0
        for index in reqGUIDBatchOffset..<reqGUIDLength {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    /// Writes `digits` lowercase hex digits of `value` at `offset`, each XORed with
    /// `mask[index & 3]` when there is a mask (the caller rotates the frame's masking key so that
    /// this lands on the key byte of the byte's position in the payload).
    @inline(__always)
    private static func writeHex(
        _ value: UInt64,
        digits: Int,
        into raw: UnsafeMutableRawBufferPointer,
        at offset: Int,
        mask: [UInt8]?
    ) {
        var value = value
        var index = offset + digits - 1
        while index >= offset {
            let nibble = UInt8(truncatingIfNeeded: value & 0xF)
            var digit = nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ nibble &- 10
            if let mask { digit ^= mask[index & 3] }
            raw[index] = digit
            value >>= 4
            index -= 1
        }
    }
}
