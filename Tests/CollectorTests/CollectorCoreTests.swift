import Foundation
import NIOCore
import RaccoonWire
import SwarmPrimitives
import Testing

@testable import Collector

/// Requests made of ClickSwarm contracts with known guids.
enum Batches {
    static func click(run: UInt32 = 1, device: UInt32, sequence: UInt64, type: String = "app-buttonclick")
        -> RaccoonEvent
    {
        var contract = ButtonClick()
        contract.eventGuid = EventGUID(run: run, device: device, sequence: sequence).description
        contract.buttonID = "order"
        var event = RaccoonEvent()
        event.eventBytes = try! contract.serializedData()
        event.type = type
        return event
    }

    static func request(_ guid: String, _ events: [RaccoonEvent]) -> SendEventRequest {
        var request = SendEventRequest()
        request.reqGuid = guid
        request.sentTime = ProtoTimestamp(seconds: 1_700_000_000, nanos: 0)
        request.events = events
        return request
    }

    static func buffer(_ request: SendEventRequest) -> ByteBuffer {
        ByteBuffer(bytes: try! request.serializedBytes() as [UInt8])
    }
}

@Suite("Collector core decisions (no I/O)")
struct CollectorCoreTests {
    func core(_ change: (inout CollectorConfiguration) -> Void = { _ in }) -> CollectorCore {
        var configuration = CollectorConfiguration()
        change(&configuration)
        return CollectorCore(configuration: configuration, stream: 0, sink: nil)
    }

    func ingest(_ core: inout CollectorCore, _ request: SendEventRequest, memory: inout RequestGUIDMemory?)
        -> CollectorCore.Decision
    {
        core.ingest(
            Batches.buffer(request), encoding: .protobuf, transport: .webSocket, requestMemory: &memory, serverTime: 42)
    }

    @Test("a batch is delivered and acked OK with its req_guid")
    func acksOK() throws {
        var core = core()
        var memory: RequestGUIDMemory?
        let decision = ingest(
            &core,
            Batches.request("b1", [Batches.click(device: 1, sequence: 0), Batches.click(device: 1, sequence: 1)]),
            memory: &memory)
        let response = try #require(decision.response)
        #expect(response.status == .success)
        #expect(response.code == .ok)
        #expect(response.data["req_guid"] == "b1")
        #expect(response.sentTime == 42)
        #expect(decision.delay == 0)
        #expect(core.ledger.uniqueDeliveries == 2)
        #expect(core.ledger.types["app-buttonclick"]?.delivered == 2)
        #expect(core.batches.ok == 1)
    }

    @Test("an empty batch is acked OK")
    func emptyBatch() throws {
        var core = core()
        var memory: RequestGUIDMemory?
        let response = try #require(ingest(&core, Batches.request("empty", []), memory: &memory).response)
        #expect(response.code == .ok)
        #expect(core.batches.empty == 1)
    }

    @Test("undecodable bytes get CODE_BAD_REQUEST with an empty req_guid")
    func badRequest() throws {
        var core = core()
        var memory: RequestGUIDMemory?
        let decision = core.ingest(
            ByteBuffer(bytes: [0x0A, 0xFF]), encoding: .protobuf, transport: .webSocket, requestMemory: &memory,
            serverTime: 1)
        let response = try #require(decision.response)
        #expect(response.status == .error)
        #expect(response.code == .badRequest)
        #expect(response.reason.hasPrefix("cannot deserialize request: "))
        #expect(response.data == ["req_guid": ""])
        #expect(core.batches.badRequest == 1)
    }

    @Test("JSON with eventBytes is acked, and the lost payload is counted")
    func jsonTrap() throws {
        var core = core()
        var memory: RequestGUIDMemory?
        let json = #"{"req_guid":"j","events":[{"eventBytes":"aGk=","type":"click"}]}"#
        let decision = core.ingest(
            ByteBuffer(string: json), encoding: .json, transport: .webSocket, requestMemory: &memory, serverTime: 1)
        #expect(decision.response?.code == .ok)
        #expect(core.batches.jsonUnknownKeys == 1)
        #expect(core.ledger.emptyPayloadEvents == 1)
        #expect(core.ledger.foreignEvents == 1)
    }

    @Test("after-publish acks: error injection answers CODE_INTERNAL_ERROR and delivers nothing")
    func errorInjection() throws {
        var core = core {
            $0.faults.errorProbability = 1
            $0.ackMode = .afterPublish
        }
        var memory: RequestGUIDMemory?
        let response = try #require(
            ingest(&core, Batches.request("e", [Batches.click(device: 2, sequence: 0)]), memory: &memory).response)
        #expect(response.status == .error)
        #expect(response.code == .internalError)
        #expect(response.data["req_guid"] == "e")
        #expect(core.ledger.uniqueDeliveries == 0)
        #expect(core.ledger.types["app-buttonclick"]?.errored == 1)
    }

    @Test("ack loss delivers the batch but answers nothing; the resend counts as a duplicate")
    func ackLoss() throws {
        var core = core { $0.faults.ackLossProbability = 1 }
        var memory: RequestGUIDMemory?
        let request = Batches.request("l", [Batches.click(device: 3, sequence: 0)])
        #expect(ingest(&core, request, memory: &memory).response == nil)
        core.faults.ackLossProbability = 0
        #expect(ingest(&core, request, memory: &memory).response?.code == .ok)
        #expect(core.ledger.uniqueDeliveries == 1)
        #expect(core.ledger.duplicateDeliveries == 1)
        #expect(core.batches.ackLost == 1)
    }

    @Test("fault probabilities between 0 and 1 hit about that share of batches, reproducibly")
    func probabilities() {
        func lostCount(seed: UInt64) -> Int {
            var core = core {
                $0.faults.ackLossProbability = 0.25
                $0.seed = seed
            }
            var memory: RequestGUIDMemory?
            return (0..<4000).filter { index in
                ingest(&core, Batches.request("p\(index)", []), memory: &memory).response == nil
            }.count
        }
        let lost = lostCount(seed: 7)
        #expect((900...1100).contains(lost))
        #expect(lostCount(seed: 7) == lost)
    }

    @Test("de-duplication acks a repeated req_guid without delivering it again")
    func deduplication() throws {
        var core = core { $0.deduplicate = true }
        var memory: RequestGUIDMemory? = RequestGUIDMemory()
        let request = Batches.request("same", [Batches.click(device: 4, sequence: 0)])
        #expect(ingest(&core, request, memory: &memory).response?.code == .ok)
        #expect(ingest(&core, request, memory: &memory).response?.code == .ok)
        #expect(core.batches.deduplicated == 1)
        #expect(core.ledger.guidEvents == 1)
        #expect(core.ledger.types["app-buttonclick"]?.deduplicated == 1)
    }

    @Test("after-publish: a batch whose publish failed is forgotten by de-duplication, so its retry is published")
    func retryAfterFailedPublish() throws {
        var core = core {
            $0.deduplicate = true
            $0.ackMode = .afterPublish
            $0.faults.errorProbability = 1
        }
        var memory: RequestGUIDMemory? = RequestGUIDMemory()
        let request = Batches.request("retry", [Batches.click(device: 4, sequence: 0)])
        let failed = try #require(ingest(&core, request, memory: &memory).response)
        #expect(failed.code == .internalError)
        #expect(failed.reason == "cannot publish events: injected fault")
        core.faults.errorProbability = 0
        #expect(ingest(&core, request, memory: &memory).response?.code == .ok)
        #expect(core.batches.deduplicated == 0)
        #expect(core.ledger.uniqueDeliveries == 1)
        // Now it was published: a third copy is a duplicate.
        #expect(ingest(&core, request, memory: &memory).response?.code == .ok)
        #expect(core.batches.deduplicated == 1)
        #expect(core.ledger.guidEvents == 1)
    }

    @Test("immediate acks: the error fault is a silent loss, acked OK, not delivered, counted as lost after ack")
    func lostAfterAck() throws {
        var core = core {
            $0.deduplicate = true
            $0.faults.errorProbability = 1
        }
        var memory: RequestGUIDMemory? = RequestGUIDMemory()
        let request = Batches.request(
            "lost", [Batches.click(device: 5, sequence: 0), Batches.click(device: 5, sequence: 1)])
        let answer = try #require(ingest(&core, request, memory: &memory).response)
        #expect(answer.status == .success)
        #expect(answer.code == .ok)
        #expect(answer.data["req_guid"] == "lost")
        #expect(core.batches.lostAfterAck == 1)
        #expect(core.batches.errored == 0)
        #expect(core.ledger.uniqueDeliveries == 0)
        #expect(core.ledger.types["app-buttonclick"]?.lostAfterAck == 2)
        #expect(core.ledger.types["app-buttonclick"]?.delivered == 0)
        #expect(core.ledger.byDevice(core.ledger.lostAfterAck, run: 1)[5]?.count == 2)
        // As Raccoon under ack 0, the failed batch stays remembered: a retry is a duplicate.
        core.faults.errorProbability = 0
        #expect(ingest(&core, request, memory: &memory).response?.code == .ok)
        #expect(core.batches.deduplicated == 1)
        #expect(core.ledger.uniqueDeliveries == 0)
    }

    @Test("de-duplication keys on the raw req_guid, the empty one included, as Raccoon")
    func emptyRequestGUID() {
        var core = core { $0.deduplicate = true }
        var memory: RequestGUIDMemory? = RequestGUIDMemory()
        #expect(
            ingest(&core, Batches.request("", [Batches.click(device: 6, sequence: 0)]), memory: &memory).response?.code
                == .ok)
        #expect(
            ingest(&core, Batches.request("", [Batches.click(device: 6, sequence: 1)]), memory: &memory).response?.code
                == .ok)
        #expect(core.batches.deduplicated == 1)
        #expect(core.ledger.uniqueDeliveries == 1)
    }

    @Test("a duplicate is answered without the publish delay: nothing is published")
    func duplicateSkipsPublishDelay() {
        var core = core {
            $0.deduplicate = true
            $0.ackMode = .afterPublish
            $0.publishDelay = .constant(0.5)
        }
        var memory: RequestGUIDMemory? = RequestGUIDMemory()
        let request = Batches.request("d", [])
        #expect(ingest(&core, request, memory: &memory).delay == 0.5)
        #expect(ingest(&core, request, memory: &memory).delay == 0)
    }

    @Test("ack delay and, in after-publish mode, publish delay are added")
    func delays() throws {
        var core = core {
            $0.faults.ackDelay = .constant(0.2)
            $0.ackMode = .afterPublish
            $0.publishDelay = .constant(0.05)
        }
        var memory: RequestGUIDMemory?
        let decision = ingest(&core, Batches.request("d", []), memory: &memory)
        #expect(abs(decision.delay - 0.25) < 1e-9)
    }

    /// fuzz-http: `POST /admin/faults {"ack_delay":"lognormal(8784h,10)"}`, then a batch, trapped
    /// converting a sampled delay of about 1e21 s to Int64 nanoseconds.
    @Test("a delay's long tail is cut at the longest duration, so no timer overflows")
    func delayTail() throws {
        var core = core {
            $0.faults.ackDelay = .lognormal(median: Distribution.longestDuration, sigma: 10)
            $0.ackMode = .afterPublish
            $0.publishDelay = .lognormal(median: Distribution.longestDuration, sigma: 10)
        }
        var memory: RequestGUIDMemory?
        let delays = (0..<20).map { ingest(&core, Batches.request("t\($0)", []), memory: &memory).delay }
        #expect(delays.allSatisfy { $0 > 0 && $0 <= Distribution.longestDuration })
        #expect(delays.contains(Distribution.longestDuration))
    }

    @Test("a message over the limit is answered with a clear reason")
    func tooLarge() {
        var core = core()
        let response = core.tooLarge(size: 2_000_000, limit: 1_048_576, serverTime: 1)
        #expect(response.code == .badRequest)
        #expect(response.reason == "request of 2000000 bytes exceeds the collector's limit of 1048576 bytes")
        #expect(core.batches.tooLarge == 1)
    }

    @Test("interleaved types and devices in one batch are each accounted exactly")
    func interleaved() {
        var ledger = DeliveryLedger()
        var events: [RaccoonEvent] = []
        for index in 0..<30 {
            let type = index % 3 == 0 ? "a-search" : "a-buttonclick"
            events.append(Batches.click(device: UInt32(index % 4), sequence: UInt64(index / 4), type: type))
        }
        events.append(Batches.click(device: 0, sequence: 0, type: "a-search"))
        ledger.account(events, delivered: true, extra: \.ackLost)
        ledger.account([Batches.click(device: 9, sequence: 0)], delivered: false, extra: \.errored)
        #expect(ledger.types["a-search"]?.received == 11)
        #expect(ledger.types["a-search"]?.delivered == 11)
        #expect(ledger.types["a-buttonclick"]?.delivered == 20)
        #expect(ledger.types["a-buttonclick"]?.ackLost == 20)
        #expect(ledger.types["app-buttonclick"]?.errored == 1)
        #expect(ledger.types["app-buttonclick"]?.delivered == 0)
        #expect(ledger.uniqueDeliveries == 30)
        #expect(ledger.duplicateDeliveries == 1)
        #expect((0..<4).map { ledger.deliveries(run: 1, device: UInt32($0)).count } == [8, 8, 7, 7])
        #expect(ledger.deliveries(run: 1, device: 9).count == 0)
    }

    @Test("shards merge exactly: unique deliveries are a union, duplicates the rest")
    func merge() {
        var left = DeliveryLedger()
        var right = DeliveryLedger()
        left.account([Batches.click(device: 1, sequence: 0), Batches.click(device: 1, sequence: 1)], delivered: true)
        right.account([Batches.click(device: 1, sequence: 1), Batches.click(device: 2, sequence: 0)], delivered: true)
        left.merge(right)
        #expect(left.uniqueDeliveries == 3)
        #expect(left.duplicateDeliveries == 1)
        #expect(left.deliveries(run: 1, device: 1).count == 2)
        #expect(left.deliveries(run: 1, device: 1).missing(below: 3) == [2])
    }
}

@Suite("Event type cardinality")
struct EventTypeCardinalityTests {
    @Test("beyond the cap, types are counted under other and only their number is kept")
    func capped() {
        var ledger = DeliveryLedger(maxTypes: 3)
        let types = ["a", "b", "c", "d", "e", String(repeating: "x", count: 10)]
        ledger.account(types.map { Batches.click(device: 1, sequence: 0, type: $0) }, delivered: true)
        #expect(Set(ledger.types.keys) == ["a", "b", "c", "other"])
        #expect(ledger.types["other"]?.received == 3)
        #expect(ledger.types["other"]?.delivered == 3)
        #expect(ledger.foldedTypes.estimate == 3)
        // A named type keeps its row; a long name is folded even while there is room.
        var roomy = DeliveryLedger(maxTypes: 10)
        roomy.account(
            [Batches.click(device: 1, sequence: 0, type: String(repeating: "y", count: 201))], delivered: true)
        #expect(Array(roomy.types.keys) == ["other"])
        // Merging folds what does not fit, and the folded counts add up.
        var merged = DeliveryLedger(maxTypes: 3)
        merged.merge(ledger)
        merged.merge(roomy)
        #expect(merged.types.count == 4)
        #expect(merged.types["other"]?.received == 4)
        #expect(merged.foldedTypes.estimate == 4)
    }

    @Test("the distinct count is exact for small numbers and within 3% for 600,000 types, in 4 KiB")
    func distinctCounter() {
        var small = DistinctCounter()
        for index in 0..<50 { small.insert("type-\(index)") }
        for index in 0..<50 { small.insert("type-\(index)") }
        #expect(small.estimate == 50)
        var large = DistinctCounter()
        var other = DistinctCounter()
        for index in 0..<600_000 {
            if index % 2 == 0 { large.insert("t\(index)") } else { other.insert("t\(index)") }
        }
        large.merge(other)
        #expect(abs(Double(large.estimate) - 600_000) / 600_000 < 0.03, "\(large.estimate)")
        #expect(DistinctCounter().estimate == 0)
    }

    @Test("/stats and /metrics of a collector fed 1,500 types: 1,000 by name, the rest under other")
    func statsAndMetrics() {
        var core = CollectorCore(configuration: CollectorConfiguration(), stream: 0, sink: nil)
        var memory: RequestGUIDMemory?
        let events = (0..<1_500).map { Batches.click(device: 1, sequence: UInt64($0), type: "type-\($0)") }
        _ = core.ingest(
            Batches.buffer(Batches.request("many", events)), encoding: .protobuf, transport: .webSocket,
            requestMemory: &memory, serverTime: 0)
        let stats = CollectorStats(
            uptime: 0, ackMode: .immediate, table: ConnectionTable(maxConnections: 1), counters: core.snapshot,
            faults: FaultSettings())
        #expect(stats.events.byType.count == 1_001)
        #expect(stats.events.byType["other"]?.received == 500)
        #expect((495...505).contains(stats.events.typesFoldedIntoOther))
        #expect(stats.events.received == 1_500)
        let text = stats.prometheusText
        #expect(text.contains("clickswarm_collector_event_types_folded \(stats.events.typesFoldedIntoOther)"))
        #expect(text.contains(#"clickswarm_collector_events_total{type="other",status="delivered"} 500"#))
    }
}

@Suite("Connection table")
struct ConnectionTableTests {
    @Test("checks the cap first, then the identity, and frees on close")
    func registration() {
        var table = ConnectionTable(maxConnections: 2)
        let a = ConnectionIdentity(id: "a", group: nil)
        let b = ConnectionIdentity(id: "b", group: "g")
        #expect(table.register(a) == .accepted)
        #expect(table.register(ConnectionIdentity(id: "a", group: "")) == .rejectedDuplicate)
        #expect(table.register(ConnectionIdentity(id: "a", group: "other")) == .accepted)
        #expect(table.register(b) == .rejectedMaxConnections)
        #expect(table.register(a) == .rejectedMaxConnections)
        table.unregister(a)
        table.unregister(a)
        #expect(table.current == 1)
        #expect(table.register(b) == .accepted)
        #expect(table.acceptedTotal == 3)
        #expect(table.closedTotal == 1)
        #expect(table.rejectedDuplicate == 1)
        #expect(table.rejectedMaxConnections == 2)
    }

    @Test("a missing group is Raccoon's --default--")
    func defaultGroup() {
        #expect(ConnectionIdentity(id: "x", group: nil).group == "--default--")
        #expect(ConnectionIdentity(id: "x", group: "").description == "x/--default--")
    }
}

@Suite("Keepalive state machine")
struct KeepaliveStateMachineTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test("pings every interval and drops a connection that never pongs at the deadline")
    func noPong() {
        var machine = KeepaliveStateMachine(now: start, pingInterval: .seconds(30), pongTimeout: .seconds(60))
        #expect(machine.nextWakeup == start + .seconds(30))
        #expect(machine.timerFired(now: start + .seconds(30)) == .sendPing)
        #expect(machine.nextWakeup == start + .seconds(60))
        #expect(machine.timerFired(now: start + .seconds(59)) == nil)
        #expect(machine.timerFired(now: start + .seconds(60)) == .closeForMissedPong)
        #expect(machine.nextWakeup == nil)
        #expect(machine.timerFired(now: start + .seconds(90)) == nil)
    }

    @Test("a pong extends the read deadline by the timeout")
    func pongExtends() {
        var machine = KeepaliveStateMachine(now: start, pingInterval: .seconds(30), pongTimeout: .seconds(60))
        #expect(machine.timerFired(now: start + .seconds(30)) == .sendPing)
        machine.pongReceived(now: start + .seconds(31))
        #expect(machine.readDeadline == start + .seconds(91))
        #expect(machine.timerFired(now: start + .seconds(60)) == .sendPing)
        machine.pongReceived(now: start + .seconds(61))
        #expect(machine.timerFired(now: start + .seconds(90)) == .sendPing)
        #expect(machine.timerFired(now: start + .seconds(120)) == .sendPing)
        #expect(machine.timerFired(now: start + .seconds(121)) == .closeForMissedPong)
    }

    @Test("a late tick sends one ping and realigns the schedule")
    func lateTick() {
        var machine = KeepaliveStateMachine(now: start, pingInterval: .seconds(10), pongTimeout: .seconds(100))
        #expect(machine.timerFired(now: start + .seconds(35)) == .sendPing)
        #expect(machine.nextPing == start + .seconds(40))
    }
}

@Suite("Untrusted input")
struct UntrustedInputTests {
    @Test("random and mutated messages never crash the core, and every one is answered")
    func randomInput() throws {
        var core = CollectorCore(configuration: CollectorConfiguration(), stream: 0, sink: nil)
        var random = SeededRandom(seed: 2024)
        var memory: RequestGUIDMemory?
        let valid: [UInt8] = try Batches.request("seed", [Batches.click(device: 1, sequence: 0)]).serializedBytes()
        let validJSON = RaccoonJSON.encodeRequest(Batches.request("seed", [Batches.click(device: 1, sequence: 0)]))
        for round in 0..<20_000 {
            var bytes: [UInt8]
            switch round % 3 {
            case 0:
                bytes = (0..<Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            case 1:
                bytes = valid
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
            default:
                bytes = validJSON
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            let encoding: WireEncoding = round % 3 == 2 ? .json : .protobuf
            let decision = core.ingest(
                ByteBuffer(bytes: bytes), encoding: encoding, transport: .webSocket, requestMemory: &memory,
                serverTime: 0)
            #expect(decision.response != nil)
        }
        #expect(core.batches.received == 20_000)
        #expect(core.batches.ok + core.batches.badRequest == 20_000)
        #expect(core.batches.badRequest > 1000)
    }
}

@Suite("Connection rejections")
struct ConnectionRejectionTests {
    let identity = ConnectionIdentity(id: "alice", group: nil)

    @Test("today's Raccoon: the cap and the duplicate have their own codes, reasons and close reasons")
    func current() throws {
        #expect(ConnectionRejection(.accepted, identity: identity, legacy: false) == nil)
        let cap = try #require(ConnectionRejection(.rejectedMaxConnections, identity: identity, legacy: false))
        #expect(
            cap
                == ConnectionRejection(
                    code: .maxConnectionLimitReached, reason: "max connection reached",
                    closeReason: "Max connection reached"))
        let duplicate = try #require(ConnectionRejection(.rejectedDuplicate, identity: identity, legacy: false))
        #expect(
            duplicate
                == ConnectionRejection(
                    code: .maxUserLimitReached, reason: "duplicated connection: [--default--] alice,",
                    closeReason: "duplicate connection: alice"))
    }

    @Test("Raccoon v0.1.3-v0.1.4: both refusals are code 5 with an empty reason")
    func legacy() throws {
        let cap = try #require(ConnectionRejection(.rejectedMaxConnections, identity: identity, legacy: true))
        #expect(
            cap == ConnectionRejection(code: .maxUserLimitReached, reason: "", closeReason: "Max connection reached"))
        let duplicate = try #require(ConnectionRejection(.rejectedDuplicate, identity: identity, legacy: true))
        #expect(
            duplicate
                == ConnectionRejection(code: .maxUserLimitReached, reason: "", closeReason: "Duplicate connection"))
    }

    @Test("the response has no data map: its bytes carry status, code, time and reason only")
    func noDataMap() throws {
        let rejection = try #require(ConnectionRejection(.rejectedDuplicate, identity: identity, legacy: false))
        let response = rejection.response(serverTime: 1_700_000_000)
        #expect(response.data.isEmpty)
        let decoded = try SendEventResponse(serializedBytes: try response.serializedBytes() as [UInt8])
        #expect(decoded.status == .error)
        #expect(decoded.code == .maxUserLimitReached)
        #expect(decoded.sentTime == 1_700_000_000)
        #expect(decoded.reason == "duplicated connection: [--default--] alice,")
    }
}
