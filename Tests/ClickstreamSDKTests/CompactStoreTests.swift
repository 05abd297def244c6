import Foundation
import NIOCore
import RaccoonWire
import SwarmPrimitives
import Testing

@testable import ClickstreamSDK

/// The compact event table (`RowTable`'s chunks, rows as numbers) and the request bytes built by
/// appending the stored events: the same rows and the same bytes as before, whatever the shape.
@Suite("Compact store and request bytes")
struct CompactStoreTests {
    static func event(_ index: Int, optional: Bool = false) -> RaccoonEvent {
        var event = RaccoonEvent()
        event.eventBytes = Data((0..<(index % 300)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) })
        event.type = index % 3 == 0 ? "health" : "clickswarm-buttonclick"
        if optional {
            event.eventName = "ButtonClick"
            event.product = "clickswarm"
            event.eventTimestamp = ProtoTimestamp(seconds: Int64(1_767_225_600 + index), nanos: Int32(index * 997))
            event.isExclusive = true
            event.appVersion = "clickswarm"
            event.platform = .ios
        }
        return event
    }

    @Test("rows across chunk boundaries: deleted to the last, the next ones are found again")
    func chunks() {
        var tables = DeliveryTables()
        tables.prepare(.newestFirst)
        let at = NIODeadline.uptimeNanoseconds(0)
        for index in 0..<1_024 {
            tables.insert(guid: "g\(index)", eventClass: .realTime, event: Self.event(index), intendedAt: at)
        }
        tables.delete(Array(0..<1_024))
        #expect(tables.count == 0 && tables.newestWaiting(5).isEmpty)
        for index in 1_024..<1_724 {
            tables.insert(
                guid: "g\(index)", eventClass: .realTime, event: Self.event(index), intendedAt: at,
                timestamp: Int64(index))
        }
        #expect(tables.count == 700)
        #expect(tables.row(1_723)?.guid == "g1723" && tables.row(1_024)?.guid == "g1024")
        #expect(tables.row(1_023) == nil)
        #expect(tables.newestWaiting(3) == [1_723, 1_722, 1_721])
        #expect(tables.allRows.map(\.id) == Array(1_024..<1_724))
    }

    @Test("newest first: many rows of one second, older seconds and deletes keep Android's order")
    func newestFirstOrder() {
        // More rows per second than the index's short walk back from the end (32), seconds that
        // arrive out of order, and deletes in the middle: the order must stay `eventTimeStamp
        // DESC`, then insertion order, whichever way the index finds a row's place.
        var tables = DeliveryTables()
        tables.prepare(.newestFirst)
        var random = SeededRandom(seed: 7)
        var expected: [(id: UInt64, seconds: Int64)] = []
        for index in 0..<600 {
            let seconds: Int64 = index % 50 == 49 ? Int64(random.next() % 3) : 3 + Int64(index / 100)
            tables.insert(
                guid: "g\(index)", eventClass: .realTime, event: Self.event(index), intendedAt: .uptimeNanoseconds(0),
                timestamp: seconds)
            expected.append((UInt64(index), seconds))
        }
        let gone = Set(expected.indices.filter { $0 % 7 == 3 }.map { UInt64($0) })
        tables.delete(Array(gone).sorted())
        expected.removeAll { gone.contains($0.id) }
        let order = expected.enumerated().sorted {
            $0.element.seconds != $1.element.seconds ? $0.element.seconds > $1.element.seconds : $0.offset < $1.offset
        }
        #expect(tables.newestWaiting(expected.count) == order.map(\.element.id))
    }

    @Test("a request built from stored events is SwiftProtobuf's serialization of it, byte for byte")
    func requestBytes() throws {
        var random = SeededRandom(seed: 12)
        for round in 0..<50 {
            var tables = DeliveryTables()
            var events: [RaccoonEvent] = []
            for index in 0..<Int(random.next() % 40) {
                let event = Self.event(round * 100 + index, optional: random.next() % 2 == 0)
                events.append(event)
                tables.insert(
                    guid: "g\(index)", eventClass: .realTime, event: event, intendedAt: .uptimeNanoseconds(0))
            }
            let entries = (0..<UInt64(events.count)).compactMap { tables.entry($0) }
            let sentTime = ProtoTimestamp(seconds: Int64(random.next() % 2_000_000_000), nanos: Int32(round * 7_919))
            let guid = round % 5 == 0 ? "" : "clickswarm-\(round)-\(random.next() % 100_000)"
            var built = RequestEncoder.encode(
                requestGUID: guid, sentTime: sentTime, entries: entries, tables: tables, source: nil)
            var request = SendEventRequest()
            request.reqGuid = guid
            request.sentTime = sentTime
            request.events = events
            let expected: [UInt8] = try request.serializedBytes()
            #expect(built.readBytes(length: built.readableBytes) == expected, "round \(round)")
        }
    }

    @Test("a row is 40 bytes, its index entry 4")
    func rowSize() {
        #expect(MemoryLayout<Row>.stride == 40)
    }

    @Test("varint sizes agree with the bytes written")
    func varints() {
        for value: UInt64 in [0, 1, 127, 128, 16_383, 16_384, 1 << 35, .max, UInt64(bitPattern: -1)] {
            var buffer = ByteBuffer()
            buffer.writeVarint(value)
            #expect(buffer.readableBytes == WireWriter.varintSize(value))
        }
    }
}
