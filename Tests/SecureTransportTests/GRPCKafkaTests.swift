import ClickSwarmTestSupport
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOPosix
import RaccoonGRPC
import RaccoonWire
import SwarmKafka
import SwarmPrimitives
import Testing

@testable import Collector

/// gRPC `SendEvent` against a collector publishing to librdkafka's mock cluster: published as a
/// WebSocket batch is, and with after-publish acks answered only once the delivery reports are in.
@Suite("gRPC calls published to Kafka (mock cluster, loopback)")
struct GRPCKafkaTests {
    static func withPublishingCollector<T>(
        _ cluster: KafkaMockCluster, ack: CollectorConfiguration.AckMode, messageTimeout: Double = 30,
        _ body: (CollectorServer, Int) async throws -> T
    ) async throws -> T {
        try await withCollector(
            { configuration in
                configuration.ackMode = ack
                configuration.grpcPort = 0
                var kafka = KafkaPublishing(bootstrapServers: cluster.bootstrapServers)
                kafka.messageTimeout = messageTimeout
                configuration.kafka = kafka
            },
            { server in try await body(server, try #require(server.grpcPort)) })
    }

    /// A click event with a ClickSwarm guid, which the collector's ledger accounts.
    static func click(device: UInt32, sequence: UInt64) -> RaccoonEvent {
        var contract = ButtonClick()
        contract.eventGuid = EventGUID(run: 1, device: device, sequence: sequence).description
        contract.buttonID = "order"
        var event = RaccoonEvent()
        event.eventBytes = try! contract.serializedData()
        event.type = "app-buttonclick"
        return event
    }

    static func request(_ guid: String, _ events: [RaccoonEvent]) -> SendEventRequest {
        var request = SendEventRequest()
        request.reqGuid = guid
        request.events = events
        return request
    }

    /// One call with grpc-swift's own client, on an event loop (not the cooperative pool the rest
    /// of the suite keeps busy), with a deadline far beyond any publish the test waits for.
    static func send(_ request: SendEventRequest, port: Int) async throws -> SendEventResponse {
        let executor = EventLoopExecutor(MultiThreadedEventLoopGroup.singleton.next())
        return try await withTaskExecutorPreference(executor) {
            try await withGRPCClient(
                transport: .http2NIOPosix(
                    target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
            ) { client in
                let service = Raystack_Raccoon_V1beta1_EventService.Client(wrapping: client)
                var options = CallOptions.defaults
                options.timeout = .seconds(60)
                return try await service.sendEvent(request, metadata: ["x-user-id": "grpc-phone"], options: options)
            }
        }
    }

    @Test("after-publish: the OK comes once the event is delivered (already counted and in the topic)")
    func afterPublishAnswersAfterDelivery() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        try await Self.withPublishingCollector(cluster, ack: .afterPublish) { server, port in
            let event = Self.click(device: 4, sequence: 0)
            let response = try await Self.send(Self.request("g1", [event]), port: port)
            #expect(response.code == .ok)
            #expect(response.data["req_guid"] == "g1")
            // No finishPublishing: the answer itself waited for the delivery report.
            let stats = try await server.stats()
            #expect(stats.kafka?.delivered == 1)
            #expect(stats.kafka?.inFlight == 0)
            #expect(stats.events.delivered == 1)
            #expect(stats.batches.grpc == 1)
            let consumer = try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(bootstrapServers: cluster.bootstrapServers))
            defer { consumer.close() }
            let messages = try await consumer.readAll(
                topics: ["clickstream-app-buttonclick-log"], from: .beginning, timeout: .seconds(20)
            ).messages
            #expect(messages.map(\.value) == [[UInt8](event.eventBytes)])
        }
    }

    @Test("after-publish with the broker down: Raccoon's publish error, once the message timeout has passed")
    func afterPublishBrokerDown() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        try await Self.withPublishingCollector(cluster, ack: .afterPublish, messageTimeout: 1) { server, port in
            try cluster.setBrokerDown()
            let response = try await Self.send(Self.request("g2", [Self.click(device: 5, sequence: 0)]), port: port)
            #expect(response.status == .error)
            #expect(response.code == .internalError)
            #expect(response.reason == "cannot publish events: error when sending messages: Local: Message timed out")
            let stats = try await server.stats()
            #expect(stats.batches.publishFailed == 1)
            #expect(stats.kafka?.failed == ["msg_timed_out": 1])
        }
    }

    @Test("immediate: the OK first, the publish after it")
    func immediatePublishes() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        try await Self.withPublishingCollector(cluster, ack: .immediate) { server, port in
            let response = try await Self.send(Self.request("g3", [Self.click(device: 6, sequence: 0)]), port: port)
            #expect(response.code == .ok)
            await server.finishPublishing(within: 20)
            let stats = try await server.stats()
            #expect(stats.kafka?.delivered == 1)
            #expect(stats.events.delivered == 1)
            #expect(stats.events.lostAfterAck == 0)
        }
    }
}
