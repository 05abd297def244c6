import Foundation
import SwarmKafka
import Testing

@Suite("Topic listing, unknown topics and settings")
struct ConsumerTests {
    @Test("topics(matching:) lists the topics whose whole name matches, with their partition counts")
    func topicsMatchingAPattern() throws {
        let cluster = try KafkaMockCluster(brokers: 2)
        defer { cluster.close() }
        try cluster.createTopic("clickstream-page-log", partitions: 3)
        try cluster.createTopic("clickstream-click-log", partitions: 1)
        try cluster.createTopic("clickstream-page-log-old", partitions: 1)
        try cluster.createTopic("payments", partitions: 2)
        let consumer = try KafkaTest.consumer(cluster.bootstrapServers)
        defer { consumer.close() }

        #expect(
            try consumer.topics(matching: "clickstream-.*-log") == [
                KafkaTopicInfo(name: "clickstream-click-log", partitionCount: 1),
                KafkaTopicInfo(name: "clickstream-page-log", partitionCount: 3),
            ])
        #expect(try consumer.topics(matching: "nothing-.*").isEmpty)
        let producer = try KafkaTest.producer(cluster.bootstrapServers)
        defer { producer.close() }
        #expect(try producer.topics(matching: "pay.*", timeout: .seconds(10)).map(\.name) == ["payments"])

        let invalid = try #require(throws: KafkaError.self) { try consumer.topics(matching: "clickstream-(") }
        guard case .invalidTopicPattern("clickstream-(", _) = invalid else {
            Issue.record("expected invalidTopicPattern, got \(invalid)")
            return
        }
    }

    @Test("reading a topic the cluster does not have names it")
    func unknownTopic() throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        let consumer = try KafkaTest.consumer(cluster.bootstrapServers)
        defer { consumer.close() }
        #expect(throws: KafkaError.unknownTopic("clickstream-missing-log", bootstrapServers: cluster.bootstrapServers))
        {
            try consumer.readAll(topics: ["clickstream-missing-log"], timeout: .seconds(10))
        }
        consumer.close()
        #expect(throws: KafkaError.closed(role: "consumer")) { try consumer.topics(matching: ".*") }
    }

    @Test("a setting librdkafka does not know is refused with its name")
    func invalidSetting() throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: "127.0.0.1:9")
        configuration.properties = ["no.such.property": "1"]
        let error = try #require(throws: KafkaError.self) { try KafkaProducer(configuration: configuration) }
        guard case .invalidSetting("no.such.property", "1", let reason) = error else {
            Issue.record("expected invalidSetting, got \(error)")
            return
        }
        #expect(reason.contains("No such configuration property"), "\(reason)")
        #expect(error.description.hasPrefix("librdkafka rejected the setting no.such.property=1: "))

        var consumer = KafkaConsumerConfiguration(bootstrapServers: "127.0.0.1:9")
        consumer.properties = ["fetch.wait.max.ms": "not a number"]
        #expect(throws: KafkaError.self) { try KafkaConsumer(configuration: consumer) }
    }

    @Test("a read from a time in the future finds nothing to read and returns at once")
    func readFromTheFuture() async throws {
        // The 2.0.2 mock answers -1 ("no such message") to every ListOffsets by time, so only this
        // direction can be checked here; a real broker gives the first offset at or after the time.
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        try cluster.createTopic("clickstream-t-log", partitions: 2)
        let producer = try KafkaTest.producer(cluster.bootstrapServers)
        defer { producer.close() }
        _ = try await producer.send(topic: "clickstream-t-log", value: [1])
        let consumer = try KafkaTest.consumer(cluster.bootstrapServers)
        defer { consumer.close() }
        let future = Date().addingTimeInterval(3600)
        let (messages, summary) = try await consumer.readAll(
            topics: ["clickstream-t-log"], from: .timestamp(future), timeout: .seconds(10))
        #expect(messages.isEmpty && summary.isCaughtUp, "\(summary)")
        #expect(summary.partitions.allSatisfy { $0.startOffset == $0.endOffset })
    }
}
