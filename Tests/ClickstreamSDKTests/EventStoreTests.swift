import ClickstreamSDK
import Foundation
import NIOCore
import RaccoonWire
import SwarmPrimitives
import Testing

@Suite("Event store")
struct EventStoreTests {
    let at = NIODeadline.uptimeNanoseconds(0)

    func event(_ size: Int, type: String = "t") -> RaccoonEvent {
        var event = RaccoonEvent()
        event.eventBytes = Data(repeating: 1, count: size)
        event.type = type
        return event
    }

    @Test("bounded in events and in bytes; an event beyond either is dropped with store_full")
    func bounds() {
        let byCount = EventStore(capacityEvents: 2, capacityBytes: 1_000)
        #expect(byCount.insert(guid: "a", eventClass: .standard, event: event(10), intendedAt: at) == .stored)
        #expect(byCount.insert(guid: "b", eventClass: .standard, event: event(10), intendedAt: at) == .stored)
        #expect(
            byCount.insert(guid: "c", eventClass: .standard, event: event(10), intendedAt: at)
                == .dropped(reason: "store_full"))
        let byBytes = EventStore(capacityEvents: 100, capacityBytes: 25)
        #expect(byBytes.insert(guid: "a", eventClass: .standard, event: event(20), intendedAt: at) == .stored)
        #expect(
            byBytes.insert(guid: "b", eventClass: .standard, event: event(6), intendedAt: at)
                == .dropped(reason: "store_full"))
        #expect(byBytes.insert(guid: "c", eventClass: .standard, event: event(5), intendedAt: at) == .stored)
        #expect(byBytes.bytes == 25)
        byBytes.delete([0])
        #expect(byBytes.bytes == 5)
        #expect(byBytes.insert(guid: "d", eventClass: .standard, event: event(20), intendedAt: at) == .stored)
    }

    @Test("the Android rule: newest first, rows in flight excluded, per class")
    func androidRule() {
        let store = EventStore(capacityEvents: 100, capacityBytes: 100_000)
        for index in 0..<30 {
            _ = store.insert(
                guid: "g\(index)", eventClass: index % 10 == 0 ? .realTime : .standard, event: event(10), intendedAt: at
            )
        }
        let first = store.newest(.standard, limit: 20)
        #expect(first.count == 20)
        #expect(first.first?.guid == "g29")
        #expect(!first.contains { $0.eventClass != .standard })
        store.markInFlight(first.map(\.id), requestGUID: "r1")
        let second = store.newest(.standard, limit: 20)
        #expect(second.map(\.guid) == ["g7", "g6", "g5", "g4", "g3", "g2", "g1"])
        #expect(store.newest(.realTime, limit: 20).map(\.guid) == ["g20", "g10", "g0"])
        store.release(first.map(\.id))
        #expect(store.newest(.standard, limit: 20).count == 20)
    }

    @Test("the iOS rule: as many as fit the byte budget by the running average size")
    func iosRule() {
        let store = EventStore(capacityEvents: 1_000, capacityBytes: 1_000_000)
        for index in 0..<100 {
            _ = store.insert(
                guid: "g\(index)", eventClass: .standard, event: event(index < 50 ? 100 : 300), intendedAt: at)
        }
        #expect(abs(store.averageSize - 200) < 1e-9)
        let batch = store.fitting(.standard, maxBytes: 5_000)
        #expect(batch.count == 25)
        #expect(batch.first?.guid == "g0")
        #expect(store.fitting(.standard, maxBytes: 10).count == 1)
    }

    @Test("an app kill loses what was in flight, not the rows")
    func reattach() {
        let store = EventStore(capacityEvents: 10, capacityBytes: 1_000)
        for index in 0..<5 {
            _ = store.insert(guid: "g\(index)", eventClass: .standard, event: event(10), intendedAt: at)
        }
        store.markInFlight(store.newest(.standard, limit: 3).map(\.id), requestGUID: "r")
        #expect(store.newest(.standard, limit: 10).count == 2)
        store.reattach()
        #expect(store.newest(.standard, limit: 10).count == 5)
        #expect(store.count == 5)
        #expect(store.classesWaiting == [.standard])
    }
}

@Suite("Event store against a simple model")
struct EventStoreModelTests {
    @Test("random inserts, in-flight marks, releases and deletes agree with a plain list")
    func randomized() {
        let store = EventStore(capacityEvents: 5_000, capacityBytes: 10_000_000)
        var model: [(id: UInt64, eventClass: EventClass, inFlight: Bool)] = []
        var random = SeededRandom(seed: 99)
        var nextID: UInt64 = 0
        var event = RaccoonEvent()
        event.eventBytes = Data(repeating: 0, count: 10)
        for _ in 0..<20_000 {
            let classes: [EventClass] = [.standard, .realTime]
            let eventClass = classes[Int(random.next() % 2)]
            switch random.next() % 6 {
            case 0, 1, 2:
                if store.insert(guid: "\(nextID)", eventClass: eventClass, event: event, intendedAt: .now()) == .stored
                {
                    model.append((nextID, eventClass, false))
                }
                nextID += 1
            case 3:
                // Ack the newest batch (Android) or the oldest (iOS), as the SDK does.
                let picked =
                    random.next() % 2 == 0
                    ? store.newest(eventClass, limit: 20) : store.fitting(eventClass, maxBytes: 200)
                store.delete(picked.map(\.id))
                model.removeAll { row in picked.contains { $0.id == row.id } }
            case 4:
                let picked = store.newest(eventClass, limit: 5)
                store.markInFlight(picked.map(\.id), requestGUID: "r")
                for index in model.indices where picked.contains(where: { $0.id == model[index].id }) {
                    model[index].inFlight = true
                }
            default:
                let inFlight = model.filter { $0.inFlight && $0.eventClass == eventClass }.prefix(3).map(\.id)
                store.release(Array(inFlight))
                for index in model.indices where inFlight.contains(model[index].id) { model[index].inFlight = false }
            }
            let waiting = model.filter { $0.eventClass == eventClass && !$0.inFlight }
            let newest = store.newest(eventClass, limit: 20).map(\.id)
            if newest != Array(waiting.suffix(20).reversed().map(\.id)) {
                Issue.record("newest disagrees with the model")
                return
            }
            if store.count != model.count {
                Issue.record("count \(store.count) != \(model.count)")
                return
            }
        }
        #expect(store.count == model.count)
    }
}
