import ClickstreamSDK
import Foundation
import NIOCore
import RaccoonWire
import SwarmPrimitives
import Testing

@Suite("Event store (the phone's tables)")
struct EventStoreTests {
    let at = NIODeadline.uptimeNanoseconds(0)

    func event(_ size: Int, type: String = "t") -> RaccoonEvent {
        var event = RaccoonEvent()
        event.eventBytes = Data(repeating: 1, count: size)
        event.type = type
        return event
    }

    @Test("no bound by default; the knob bounds events and bytes with store_full")
    func bounds() {
        var open = DeliveryTables()
        for index in 0..<10_000 {
            open.insert(guid: "\(index)", eventClass: .realTime, event: event(100), intendedAt: at)
        }
        #expect(open.count == 10_000)
        var byCount = DeliveryTables(capacityEvents: 2, capacityBytes: 1_000)
        #expect(byCount.insert(guid: "a", eventClass: .standard, event: event(10), intendedAt: at) == .stored)
        #expect(byCount.insert(guid: "b", eventClass: .standard, event: event(10), intendedAt: at) == .stored)
        #expect(
            byCount.insert(guid: "c", eventClass: .standard, event: event(10), intendedAt: at)
                == .dropped(reason: "store_full"))
        var byBytes = DeliveryTables(capacityEvents: 100, capacityBytes: 25)
        #expect(byBytes.insert(guid: "a", eventClass: .standard, event: event(20), intendedAt: at) == .stored)
        #expect(
            byBytes.insert(guid: "b", eventClass: .standard, event: event(6), intendedAt: at)
                == .dropped(reason: "store_full"))
        #expect(byBytes.insert(guid: "c", eventClass: .standard, event: event(5), intendedAt: at) == .stored)
        byBytes.delete([0])
        #expect(byBytes.bytes == 5)
    }

    @Test("the Android order: timestamp seconds descending, equal seconds by rowid; a re-insert goes behind")
    func newestFirst() {
        var tables = DeliveryTables()
        tables.prepare(.newestFirst)
        for (index, second) in [5, 7, 7, 3, 7].enumerated() {
            tables.insert(
                guid: "g\(index)", eventClass: .realTime, event: event(10), intendedAt: at, timestamp: Int64(second))
        }
        #expect(tables.newestWaiting(10) == [1, 2, 4, 0, 3])
        tables.claim([1], for: "r1", reinsert: true)
        #expect(tables.newestWaiting(10) == [2, 4, 0, 3])
        tables.release([1], reinsert: false)
        #expect(tables.newestWaiting(2) == [2, 4], "an INSERT OR REPLACE gave row 1 a new rowid")
        #expect(tables.row(1)?.requestGUID == "r1", "a release keeps the old guid")
        #expect(tables.allNewestFirst == [2, 4, 1, 0, 3])
    }

    @Test("the iOS order: per class, oldest first; 0 takes all of it")
    func perClass() {
        var tables = DeliveryTables()
        tables.prepare(.perClassInsertion)
        for index in 0..<6 {
            tables.insert(
                guid: "g\(index)", eventClass: index % 3 == 0 ? .priority("P0") : .realTime, event: event(10),
                intendedAt: at)
        }
        #expect(tables.oldestWaiting(.realTime, limit: 2) == [1, 2])
        #expect(tables.oldestWaiting(.realTime, limit: 0) == [1, 2, 4, 5])
        tables.claim([1, 2], for: "r", reinsert: false)
        #expect(tables.oldestWaiting(.realTime, limit: 0) == [4, 5])
        #expect(tables.oldestWaiting(.priority("P0"), limit: 0) == [0, 3])
        #expect(tables.allWaiting == [0, 3, 4, 5])
    }

    @Test("the request sequence and the health table live in the store (they survive a kill)")
    func persisted() {
        let store = EventStore()
        store.tables.requestSequence = 41
        store.tables.health.record(
            HealthRecord(event: .batchSent, name: "x", kind: .aggregate, events: 3, batches: 1))
        #expect(store.tables.requestSequence == 41)
        #expect(store.health.count(.batchSent).events == 3)
    }
}

@Suite("Event store against a simple model")
struct EventStoreModelTests {
    @Test("random inserts, claims, releases and deletes agree with a plain sort")
    func randomized() {
        var tables = DeliveryTables()
        tables.prepare(.newestFirst)
        var random = SeededRandom(seed: 99)
        var event = RaccoonEvent()
        event.eventBytes = Data(repeating: 0, count: 10)
        var nextID: UInt64 = 0
        for step in 0..<20_000 {
            switch random.next() % 6 {
            case 0, 1, 2:
                tables.insert(
                    guid: "\(nextID)", eventClass: .realTime, event: event, intendedAt: .uptimeNanoseconds(0),
                    timestamp: Int64(step / 50) - Int64(random.next() % 3))
                nextID += 1
            case 3:
                tables.delete(tables.newestWaiting(5))
            case 4:
                tables.claim(tables.newestWaiting(5), for: "r\(step)", reinsert: true)
            default:
                let inFlight = Array(tables.allInFlight.prefix(3))
                tables.release(inFlight, reinsert: random.next() % 2 == 0)
            }
            let waiting = tables.allRows.filter { $0.inFlight == nil }
                .sorted { ($0.timestamp, $1.rowid) > ($1.timestamp, $0.rowid) }.map(\.id)
            if tables.newestWaiting(20) != Array(waiting.prefix(20)) {
                Issue.record("the index disagrees with the model at step \(step)")
                return
            }
        }
    }
}
