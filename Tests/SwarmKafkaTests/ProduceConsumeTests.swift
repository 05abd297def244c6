import Foundation
import SwarmKafka
import Testing

@Suite("Producing to and consuming from the mock cluster")
struct ProduceConsumeTests {
    struct Sent {
        var topic: String
        var value: [UInt8]
        var headers: [KafkaHeader]
    }

    @Test("300 messages to two topics: every report a success, and all read back exactly")
    func twoTopicsRoundTrip() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        defer { cluster.close() }
        let topics = ["clickstream-page-log", "clickstream-click-log"]
        try cluster.createTopic(topics[0], partitions: 3)
        try cluster.createTopic(topics[1], partitions: 2)
        let producer = try KafkaTest.producer(cluster.bootstrapServers)
        defer { producer.close() }

        let log = DeliveryLog()
        var sent: [String: Sent] = [:]
        for index in 0..<300 {
            let topic = topics[index % 3 == 0 ? 1 : 0]
            let key = "device-\(index % 17)/event-\(index)"
            let value = KafkaTest.bytes("payload \(index) ✓") + [0, 255, UInt8(index % 256)]
            let headers = [
                KafkaHeader(name: "guid", string: "guid-\(index)"), KafkaHeader(name: "type", string: topic),
                KafkaHeader(name: "maybe", value: index % 2 == 0 ? nil : []),
            ]
            sent[key] = Sent(topic: topic, value: value, headers: headers)
            try producer.produce(
                topic: topic, key: KafkaTest.bytes(key), value: value, headers: headers, onDelivery: log.callback(key))
        }
        try await producer.flush(timeout: .seconds(30))

        // Every callback has run when flush returns: one report per message, all delivered.
        let reports = log.all
        #expect(reports.count == 300)
        #expect(reports.values.allSatisfy { $0.count == 1 })
        let failures = reports.values.compactMap { $0.first?.error }
        #expect(failures.isEmpty, "\(failures.first.map(String.init(describing:)) ?? "")")
        // Offsets are dense per partition: 0, 1, 2, ... with no gap or repeat.
        let byPartition = Dictionary(grouping: reports.values.compactMap { $0.first?.report }) {
            "\($0.topic)/\($0.partition)"
        }
        #expect(byPartition.count == 5)
        for (partition, reports) in byPartition {
            #expect(reports.map(\.offset).sorted() == Array(0..<Int64(reports.count)), "\(partition)")
        }

        let consumer = try KafkaTest.consumer(cluster.bootstrapServers)
        defer { consumer.close() }
        let (messages, summary) = try await consumer.readAll(topics: topics, timeout: .seconds(30))
        #expect(summary.isCaughtUp, "\(summary)")
        #expect(summary.messagesRead == 300)
        #expect(messages.count == 300)
        #expect(Set(messages.map { "\($0.topic)/\($0.partition)/\($0.offset)" }).count == 300)
        for message in messages {
            let key = try #require(KafkaTest.text(message.key))
            let expected = try #require(sent[key], "unexpected key \(key)")
            #expect(message.topic == expected.topic)
            #expect(message.value == expected.value)
            #expect(message.headers == expected.headers)
            let report = try #require(log.result(key)?.report)
            #expect(message.partition == report.partition && message.offset == report.offset)
            #expect(message.timestamp?.kind == .createTime)
        }
    }

    @Test("send waits for the report; the timestamp and a key-less message come back as sent")
    func asyncSend() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        try cluster.createTopic("clickstream-order-log", partitions: 1)
        let producer = try KafkaTest.producer(cluster.bootstrapServers)
        defer { producer.close() }

        let created = Date(timeIntervalSince1970: 1_700_000_123.456)
        let first = try await producer.send(
            topic: "clickstream-order-log", key: KafkaTest.bytes("k"), value: [1, 2, 3], timestamp: created)
        #expect(first == KafkaDeliveryReport(topic: "clickstream-order-log", partition: 0, offset: 0))
        let second = try await producer.send(topic: "clickstream-order-log", value: [])
        #expect(second.offset == 1)
        #expect(producer.pendingCount == 0)

        let consumer = try KafkaTest.consumer(cluster.bootstrapServers)
        defer { consumer.close() }
        let (messages, summary) = try await consumer.readAll(topics: ["clickstream-order-log"], timeout: .seconds(20))
        #expect(summary.isCaughtUp)
        try #require(messages.count == 2)
        #expect(messages[0].timestamp == KafkaMessage.Timestamp(milliseconds: 1_700_000_123_456, kind: .createTime))
        #expect(messages[0].value == [1, 2, 3] && messages[0].key == KafkaTest.bytes("k"))
        #expect(messages[1].key == nil && messages[1].value.isEmpty && messages[1].headers.isEmpty)
    }

    @Test("a read stops at the high watermarks of when it began, and a later read sees the rest")
    func readsUpToTheWatermarksOfTheCall() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        try cluster.createTopic("clickstream-a-log", partitions: 2)
        try cluster.createTopic("clickstream-empty-log", partitions: 2)
        let producer = try KafkaTest.producer(cluster.bootstrapServers)
        defer { producer.close() }
        for index in 0..<10 {
            _ = try await producer.send(topic: "clickstream-a-log", key: KafkaTest.bytes("\(index)"), value: [1])
        }
        let consumer = try KafkaTest.consumer(cluster.bootstrapServers)
        defer { consumer.close() }
        let topics = ["clickstream-a-log", "clickstream-empty-log"]

        // Messages produced during the read are past its watermarks: it reads exactly the first 10.
        var seen = 0
        let first = try consumer.read(topics: topics, timeout: .seconds(20)) { _ in
            seen += 1
            if seen == 1 {
                for index in 10..<15 {
                    try producer.produce(topic: "clickstream-a-log", key: KafkaTest.bytes("\(index)"), value: [2]) {
                        _ in
                    }
                }
                try producer.flush(timeout: .seconds(20))
            }
        }
        #expect(first.isCaughtUp && first.messagesRead == 10 && seen == 10, "\(first)")
        #expect(first.partitions.count == 4)
        #expect(first.partitions.filter { $0.topic == "clickstream-empty-log" }.allSatisfy { $0.endOffset == 0 })

        let second = try await consumer.readAll(topics: topics, timeout: .seconds(20))
        #expect(second.summary.isCaughtUp && second.messages.count == 15, "\(second.summary)")
        #expect(Set(second.messages.compactMap { KafkaTest.text($0.key) }) == Set((0..<15).map(String.init)))
    }
}
