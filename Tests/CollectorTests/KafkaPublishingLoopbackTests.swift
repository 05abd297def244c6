import ClickSwarmTestSupport
import Foundation
import RaccoonWire
import SwarmKafka
import Testing

@testable import Collector

/// The collector publishing to librdkafka's mock cluster over loopback: what lands in the topics,
/// and what each ack mode answers when the broker is down.
@Suite("Collector publishing to Kafka (mock cluster, loopback)")
struct KafkaPublishingLoopbackTests {
    func withPublishingCollector<T>(
        _ cluster: KafkaMockCluster, ack: CollectorConfiguration.AckMode, messageTimeout: Double = 30,
        _ body: (CollectorServer) async throws -> T
    ) async throws -> T {
        try await withCollector(
            { configuration in
                configuration.ackMode = ack
                var kafka = KafkaPublishing(bootstrapServers: cluster.bootstrapServers)
                kafka.messageTimeout = messageTimeout
                configuration.kafka = kafka
            }, body)
    }

    func messages(in cluster: KafkaMockCluster, topics: [String]) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: cluster.bootstrapServers))
        defer { consumer.close() }
        return try await consumer.readAll(topics: topics, from: .beginning, timeout: .seconds(20)).messages
    }

    @Test("after-publish: each event lands as Raccoon publishes it (value = event_bytes, no key), then the OK")
    func publishesThenAcks() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        try await withPublishingCollector(cluster, ack: .afterPublish) { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "phone-1")
            let events = [
                Batches.click(device: 2, sequence: 0), Batches.click(device: 2, sequence: 1),
                Batches.click(device: 2, sequence: 2, type: "app-screenview"),
            ]
            try await client.send(Batches.request("k1", events))
            let response = try await client.nextResponse()
            #expect(response.code == .ok)
            #expect(response.data["req_guid"] == "k1")
            // The OK came after the reports: the events are in Kafka already.
            let clicks = try await messages(in: cluster, topics: ["clickstream-app-buttonclick-log"])
            #expect(clicks.count == 2)
            #expect(Set(clicks.map(\.value)) == Set(events.prefix(2).map { [UInt8]($0.eventBytes) }))
            #expect(clicks.allSatisfy { $0.key == nil && $0.headers.isEmpty })
            #expect(try await messages(in: cluster, topics: ["clickstream-app-screenview-log"]).count == 1)

            let stats = try await server.stats()
            let kafka = try #require(stats.kafka)
            #expect(kafka.delivered == 3)
            #expect(kafka.failed.isEmpty)
            #expect(kafka.inFlight == 0)
            #expect(stats.events.delivered == 3)
            #expect(try await server.deliveries(run: 1, device: 2).count == 3)
            #expect(stats.prometheusText.contains("clickswarm_collector_kafka_messages_delivered_total 3\n"))
            await client.close()
        }
    }

    @Test("after-publish with the broker down: Raccoon's publish error once the message timeout passes")
    func afterPublishBrokerDown() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        try await withPublishingCollector(cluster, ack: .afterPublish, messageTimeout: 1) { server in
            try cluster.setBrokerDown()
            let client = try await WebSocketTestClient.connect(to: server, id: "phone-2")
            try await client.send(Batches.request("down", [Batches.click(device: 3, sequence: 0)]))
            let response = try #require(try await client.nextFrame(timeout: .seconds(20))).data
            let answer = try SendEventResponse(serializedBytes: Array(response.readableBytesView))
            #expect(answer.status == .error)
            #expect(answer.code == .internalError)
            #expect(answer.reason == "cannot publish events: error when sending messages: Local: Message timed out")
            let stats = try await server.stats()
            #expect(stats.kafka?.failed == ["msg_timed_out": 1])
            #expect(stats.batches.publishFailed == 1)
            #expect(stats.events.byType["app-buttonclick"]?.publishFailed == 1)
            #expect(stats.events.lostAfterAck == 0)
            #expect(
                stats.prometheusText.contains(
                    #"clickswarm_collector_kafka_messages_undelivered_total{reason="msg_timed_out"} 1"#))
            await client.close()
        }
    }

    @Test("immediate with the broker down: OK at once, then the event is counted lost after its ack")
    func immediateBrokerDown() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        try await withPublishingCollector(cluster, ack: .immediate, messageTimeout: 1) { server in
            try cluster.setBrokerDown()
            let client = try await WebSocketTestClient.connect(to: server, id: "phone-3")
            try await client.send(Batches.request("lost", [Batches.click(device: 5, sequence: 0)]))
            let response = try await client.nextResponse()
            #expect(response.code == .ok)
            await server.finishPublishing(within: 10)
            let stats = try await server.stats()
            #expect(stats.events.lostAfterAck == 1)
            #expect(stats.batches.lostAfterAck == 1)
            #expect(stats.kafka?.failed == ["msg_timed_out": 1])
            #expect(try await server.lostAfterAck(run: 1)[5]?.contains(0) == true)
            #expect(try await server.deliveries(run: 1, device: 5).count == 0)
            await client.close()
        }
    }

    @Test("REST after-publish: 200 once published, 500 with the reason when the broker is down")
    func restAfterPublish() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        try await withPublishingCollector(cluster, ack: .afterPublish, messageTimeout: 1) { server in
            let body = try Batches.request("r1", [Batches.click(device: 6, sequence: 0)]).serializedBytes() as [UInt8]
            let headers = [("Content-Type", "application/proto")]
            let ok = try await HTTPTestClient.request(
                .POST, "/api/v1/events", port: server.port, headers: headers, body: body)
            #expect(ok.status == .ok)
            try cluster.setBrokerDown()
            let failed = try await HTTPTestClient.request(
                .POST, "/api/v1/events", port: server.port, headers: headers, body: body)
            #expect(failed.status == .internalServerError)
            let answer = try SendEventResponse(serializedBytes: failed.body)
            #expect(answer.reason.hasPrefix("cannot publish events: error when sending messages: "))
        }
    }

    @Test("a broker that does not answer stops the start with its address, within the connect timeout")
    func unreachableBroker() async throws {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        var kafka = KafkaPublishing(bootstrapServers: "127.0.0.1:1")
        kafka.connectTimeout = 2
        configuration.kafka = kafka
        let started = Date()
        await #expect {
            _ = try await CollectorServer.start(configuration: configuration)
        } throws: { error in
            guard case CollectorError.kafkaUnavailable(let servers, _) = error else { return false }
            return servers == "127.0.0.1:1" && "\(error)".contains("cannot publish to Kafka at 127.0.0.1:1")
        }
        // Not a timing test: it must give up on its own, not wait for a message timeout (300 s).
        #expect(Date().timeIntervalSince(started) < 120)
    }
}
