import Foundation
import RaccoonWire
import Reports
import SwarmKafka
import SwarmPrimitives
import Testing

@testable import Simulation

/// The Kafka audit against librdkafka's mock cluster, over loopback: every acked event looked
/// for in its topic by guid.
@Suite("Kafka audit", .serialized)
struct KafkaAuditTests {
    static let run: UInt32 = 0xA0D1

    /// A ClickSwarm contract's bytes, as the collector publishes them (`event_bytes`).
    static func event(run: UInt32 = run, device: UInt32, sequence: UInt64) throws -> [UInt8] {
        var view = ScreenView()
        view.eventGuid = EventGUID(run: run, device: device, sequence: sequence).description
        view.screenName = "home"
        return Array(try view.serializedData())
    }

    static func produce(_ messages: [(topic: String, value: [UInt8])], to cluster: KafkaMockCluster) async throws {
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(
                bootstrapServers: cluster.bootstrapServers))
        defer { producer.close() }
        for message in messages { _ = try await producer.send(topic: message.topic, value: message.value) }
    }

    @Test("acked and landed, missing after ack, landed but never acked, duplicates and foreign messages")
    func exactCounts() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        let topic = "clickstream-screenview-log"
        try cluster.createTopic(topic, partitions: 3)
        var messages: [(String, [UInt8])] = []
        for sequence in 0..<10 as Range<UInt64> {
            messages.append((topic, try Self.event(device: 1, sequence: sequence)))
        }
        messages.append((topic, try Self.event(device: 1, sequence: 3)))  // a duplicate
        messages.append((topic, try Self.event(device: 2, sequence: 0)))  // published, its ack lost
        messages.append((topic, try Self.event(run: 7, device: 1, sequence: 0)))  // another run
        messages.append((topic, Array("not a contract".utf8)))  // another producer
        messages.append((topic, try Self.event(device: 9, sequence: 0)))  // another shard's device
        try await Self.produce(messages, to: cluster)

        var acked: [UInt32: SequenceBitmap] = [1: SequenceBitmap(), 2: SequenceBitmap()]
        for sequence in 0..<12 as Range<UInt64> { acked[1]!.insert(sequence) }
        var settings = KafkaAuditSettings(bootstrapServers: cluster.bootstrapServers)
        settings.timeout = 20
        settings.fromBeginning = true  // the mock cluster cannot look offsets up by time
        let audit = await KafkaAuditor(
            settings: settings, runID: Self.run, since: Date().addingTimeInterval(-3600), devices: [1, 2]
        ).audit(acked: acked, ackedByType: ["screenview": 12, "health": 4])

        #expect(audit.error == nil, "\(audit.error ?? "")")
        #expect(audit.caughtUp)
        #expect(audit.topics == [topic])
        #expect(audit.messagesRead == 15)
        #expect(audit.acked == 12)
        #expect(audit.ackedAndLanded == 10)
        #expect(audit.missingAfterAck == 2)
        #expect(audit.landedNotAcked == 1)
        #expect(audit.duplicates == 1)
        #expect(audit.foreign == 2)
        #expect(audit.byEventType["screenview"]?.missingAfterAck == 2)
        #expect(audit.byEventType["health"] == nil, "the SDKs' health events are not audited")
        #expect(audit.devicesMissing == [.init(device: 1, missingAfterAck: 2)])
    }

    @Test("a pattern without %s sends every type to one topic: the types share one row, and nothing traps")
    func oneTopicForAll() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        try await Self.produce(
            [
                ("all-events", try Self.event(device: 1, sequence: 0)),
                ("all-events", try Self.event(device: 1, sequence: 1)),
            ],
            to: cluster)
        var acked: [UInt32: SequenceBitmap] = [1: SequenceBitmap()]
        for sequence in 0..<3 as Range<UInt64> { acked[1]!.insert(sequence) }
        var settings = KafkaAuditSettings(bootstrapServers: cluster.bootstrapServers)
        settings.topicPattern = "all-events"
        settings.fromBeginning = true
        let audit = await KafkaAuditor(
            settings: settings, runID: Self.run, since: Date().addingTimeInterval(-3600), devices: [1]
        ).audit(acked: acked, ackedByType: ["screenview": 2, "click": 1])
        #expect(audit.error == nil, "\(audit.error ?? "")")
        #expect(audit.topics == ["all-events"])
        let row = try #require(audit.byEventType["click+screenview"])
        #expect(row.topic == "all-events")
        #expect(row.acked == 3)
        #expect(row.ackedAndLanded == 2)
        #expect(audit.missingAfterAck == 1)
    }

    @Test("a type with no topic at all: every acked event of it is missing")
    func missingTopic() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        var acked: [UInt32: SequenceBitmap] = [4: SequenceBitmap()]
        acked[4]!.insert(0)
        acked[4]!.insert(1)
        let audit = await KafkaAuditor(
            settings: KafkaAuditSettings(bootstrapServers: cluster.bootstrapServers), runID: Self.run,
            since: Date(), devices: [4]
        ).audit(acked: acked, ackedByType: ["adimpression": 2])
        #expect(audit.error == nil)
        #expect(audit.topics.isEmpty)
        #expect(audit.missingAfterAck == 2)
        #expect(audit.byEventType["adimpression"]?.topic == "clickstream-adimpression-log")
    }

    @Test("an unreachable broker: the audit says why, in bounded time, and counts nothing")
    func unreachable() async throws {
        var settings = KafkaAuditSettings(bootstrapServers: "127.0.0.1:1")
        settings.timeout = 2
        let started = Date()
        let audit = await KafkaAuditor(settings: settings, runID: Self.run, since: Date(), devices: [0]).audit(
            acked: [:], ackedByType: ["screenview": 5])
        #expect(Date().timeIntervalSince(started) < 30)
        let error = try #require(audit.error)
        #expect(error.contains("127.0.0.1:1"), "\(error)")
        #expect(audit.ackedAndLanded == 0)
    }

    @Test("the topic pattern puts the event type where Raccoon does: the first %s, as is")
    func topicNames() {
        var settings = KafkaAuditSettings(bootstrapServers: "x:1")
        #expect(settings.topic(for: "ScreenView") == "clickstream-ScreenView-log")
        settings.topics = KafkaTopicPattern("events.%s.%s")
        #expect(settings.topic(for: "a") == "events.a.%s")
    }
}
