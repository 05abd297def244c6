import RaccoonWire
import SwarmKafka
import Testing

@testable import Collector

/// The collector core when it publishes to Kafka: what it answers and accounts before and after
/// the delivery reports, in both of Raccoon's ack modes, without I/O.
@Suite("Collector core with Kafka (no I/O)")
struct CollectorKafkaCoreTests {
    static let timedOut = PublishFailure(
        code: .messageTimedOut, topic: "clickstream-app-buttonclick-log", synchronous: false)

    func core(_ mode: CollectorConfiguration.AckMode, deduplicate: Bool = false) -> CollectorCore {
        var configuration = CollectorConfiguration()
        configuration.ackMode = mode
        configuration.deduplicate = deduplicate
        configuration.kafka = KafkaPublishing(bootstrapServers: "127.0.0.1:9092")
        return CollectorCore(configuration: configuration, stream: 0, sink: nil)
    }

    func decide(_ core: inout CollectorCore, _ guid: String, events: Int, memory: inout RequestGUIDMemory?)
        -> CollectorCore.Decision
    {
        let request = Batches.request(guid, (0..<events).map { Batches.click(device: 4, sequence: UInt64($0)) })
        return core.ingest(
            Batches.buffer(request), encoding: .protobuf, transport: .webSocket, requestMemory: &memory, serverTime: 7)
    }

    @Test("immediate: the OK goes out before the publish; failed events then count as lost after their ack")
    func immediate() throws {
        var core = core(.immediate)
        var memory: RequestGUIDMemory?
        let decision = decide(&core, "b1", events: 3, memory: &memory)
        #expect(decision.response?.code == .ok)
        let batch = try #require(decision.kafka)
        #expect(batch.events.count == 3)
        // Received now; neither delivered nor lost until the reports come.
        #expect(core.ledger.types["app-buttonclick"]?.received == 3)
        #expect(core.ledger.types["app-buttonclick"]?.delivered == 0)

        let settlement = core.settle(
            batch, outcome: PublishOutcome(failures: [nil, Self.timedOut, Self.timedOut]), serverTime: 9)
        #expect(settlement.response == nil)
        #expect(core.ledger.types["app-buttonclick"]?.received == 3)
        #expect(core.ledger.types["app-buttonclick"]?.delivered == 1)
        #expect(core.ledger.types["app-buttonclick"]?.lostAfterAck == 2)
        #expect(core.ledger.byDevice(core.ledger.lostAfterAck, run: 1)[4]?.count == 2)
        #expect(core.ledger.deliveries(run: 1, device: 4).contains(0))
        #expect(core.batches.ok == 1)
        #expect(core.batches.lostAfterAck == 1)
    }

    @Test("after-publish: no answer until the reports; then OK, with the answer's time and the ack delay")
    func afterPublishDelivered() throws {
        var core = core(.afterPublish)
        var memory: RequestGUIDMemory?
        core.faults.ackDelay = .constant(0.25)
        let decision = decide(&core, "b2", events: 2, memory: &memory)
        #expect(decision.response == nil)
        let batch = try #require(decision.kafka)
        let settlement = core.settle(batch, outcome: PublishOutcome(failures: [nil, nil]), serverTime: 11)
        let response = try #require(settlement.response)
        #expect(response.code == .ok)
        #expect(response.data["req_guid"] == "b2")
        #expect(response.sentTime == 11)
        #expect(settlement.delay == 0.25)
        #expect(core.ledger.types["app-buttonclick"]?.delivered == 2)
        #expect(core.batches.ok == 1)
    }

    @Test("after-publish: a failed publish is answered with Raccoon's bulk error and its req_guid is forgotten")
    func afterPublishFailed() throws {
        var core = core(.afterPublish, deduplicate: true)
        var memory: RequestGUIDMemory? = RequestGUIDMemory()
        let batch = try #require(decide(&core, "b3", events: 2, memory: &memory).kafka)
        let settlement = core.settle(batch, outcome: PublishOutcome(failures: [Self.timedOut, nil]), serverTime: 12)
        let response = try #require(settlement.response)
        #expect(response.status == .error)
        #expect(response.code == .internalError)
        #expect(
            response.reason == "cannot publish events: error when sending messages: Local: Message timed out, <nil>")
        #expect(response.data["req_guid"] == "b3")
        #expect(settlement.forget == "b3")
        // The event that landed is delivered; the other failed (the client keeps both to retry).
        #expect(core.ledger.types["app-buttonclick"]?.delivered == 1)
        #expect(core.ledger.types["app-buttonclick"]?.publishFailed == 1)
        #expect(core.ledger.types["app-buttonclick"]?.lostAfterAck == 0)
        #expect(core.batches.publishFailed == 1)
        #expect(core.batches.ok == 0)
    }

    @Test("Raccoon's reason when the first event landed: Go's fmt prints the nil error's panic")
    func firstDeliveredReason() {
        let outcome = PublishOutcome(failures: [nil, Self.timedOut])
        #expect(
            outcome.raccoonReason
                == "cannot publish events: %!s(PANIC=Error method: runtime error: invalid memory address or nil "
                + "pointer dereference)")
    }

    @Test("an unknown topic refused by produce carries the topic's name; reasons are librdkafka's names")
    func failureWords() {
        let refused = PublishFailure(
            .produceRejected(topic: "clickstream-x-log", code: .unknownTopic), topic: "clickstream-x-log")
        #expect(refused.raccoonText == "Local: Unknown topic clickstream-x-log")
        #expect(refused.reason == "unknown_topic")
        #expect(PublishFailure(.queueFull(topic: "t"), topic: "t").reason == "queue_full")
        #expect(Self.timedOut.reason == "msg_timed_out")
        #expect(Self.timedOut.raccoonText == "Local: Message timed out")
    }

    @Test("an empty batch goes to Kafka as nothing and is acked OK after-publish")
    func emptyBatch() throws {
        var core = core(.afterPublish)
        var memory: RequestGUIDMemory?
        let batch = try #require(decide(&core, "e", events: 0, memory: &memory).kafka)
        #expect(core.settle(batch, outcome: PublishOutcome(failures: []), serverTime: 1).response?.code == .ok)
    }

    @Test("publish counters: delivered, failed by reason and in flight")
    func counters() {
        var counters = KafkaPublishCounters()
        counters.queued = 5
        counters.count([nil, Self.timedOut, nil])
        #expect(counters.delivered == 2)
        #expect(counters.failed == ["msg_timed_out": 1])
        #expect(counters.inFlight == 2)
    }
}
