import Foundation
import SwarmKafka
import Testing

@Suite("Outages, unreachable brokers, error answers and shutdown")
struct OutageTests {
    @Test("a broker that is down fails delivery after the message timeout; back up, delivery works again")
    func brokerDownAndBack() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        let topic = "clickstream-outage-log"
        try cluster.createTopic(topic, partitions: 1)
        let producer = try KafkaTest.producer(cluster.bootstrapServers, messageTimeout: .seconds(1))
        defer { producer.close() }
        // A 1 s message timeout is short for a busy machine: send until one is delivered.
        var attempts = Attempts()
        try await attempts.sendUntilDelivered(producer, topic: topic, key: "before")

        try cluster.setBrokerDown()
        let (result, took) = try await KafkaTest.sendMeasured(producer, topic: topic, key: "during", value: [2])
        let error = try #require(result.error)
        #expect(error.code == .messageTimedOut)
        #expect(took >= .milliseconds(900) && took < .seconds(30), "\(took)")
        #expect(error.description.contains("the Kafka broker at \(cluster.bootstrapServers)"), "\(error)")
        #expect(error.description.contains("message.timeout.ms 1 s"), "\(error)")
        #expect(error.lastBrokerError != nil, "\(error)")

        try cluster.setBrokerUp()
        // Reconnecting takes a moment: send until one is delivered again.
        try await attempts.sendUntilDelivered(producer, topic: topic, key: "after")

        let consumer = try KafkaTest.consumer(cluster.bootstrapServers)
        defer { consumer.close() }
        let (messages, summary) = try await consumer.readAll(topics: [topic], timeout: .seconds(20))
        #expect(summary.isCaughtUp, "\(summary)")
        let keys = messages.compactMap { KafkaTest.text($0.key) }
        // Every delivered message is there, in order, and nothing sent while the broker was down;
        // an attempt that timed out in flight may have landed all the same.
        #expect(keys.filter(attempts.delivered.contains) == attempts.delivered, "\(keys)")
        #expect(Set(keys).isSubset(of: Set(attempts.delivered + attempts.failed)), "\(keys)")
    }

    /// Messages sent one at a time until one is delivered, with the keys of each outcome.
    struct Attempts {
        var delivered: [String] = []
        var failed: [String] = []

        /// Bounded by attempts, not by the wall clock: librdkafka reports each one within the
        /// 1 s message timeout, but when the suite starts every test at once the await can resume
        /// tens of seconds later (a 20 s deadline once allowed a single attempt).
        mutating func sendUntilDelivered(_ producer: KafkaProducer, topic: String, key: String) async throws {
            for _ in 0..<20 {
                let attempt = "\(key)-\(failed.count + delivered.count)"
                do {
                    _ = try await producer.send(topic: topic, key: KafkaTest.bytes(attempt), value: [1])
                    delivered.append(attempt)
                    return
                } catch {
                    failed.append(attempt)
                }
            }
            Issue.record("no \(key) message delivered in 20 attempts; failed: \(failed)")
        }
    }

    @Test("an unreachable bootstrap address: producer and consumer say so clearly, in bounded time")
    func unreachableBootstrap() async throws {
        let address = try KafkaTest.deadAddress()
        let producer = try KafkaTest.producer(address, messageTimeout: .seconds(1))
        defer { producer.close() }

        let (result, took) = try await KafkaTest.sendMeasured(producer, topic: "clickstream-page-log", value: [1])
        let delivery = try #require(result.error)
        #expect(took >= .milliseconds(900) && took < .seconds(30), "\(took)")
        #expect(delivery.code == .messageTimedOut)
        #expect(delivery.description.contains("no acknowledgement from the Kafka broker at \(address)"), "\(delivery)")
        #expect(delivery.lastBrokerError?.contains("Connection refused") == true, "\(delivery)")

        let (check, checkTook) = await KafkaTest.failureMeasured { try producer.checkConnection(timeout: .seconds(2)) }
        #expect(checkTook < .seconds(30), "\(checkTook)")
        let checkError = try #require(check)
        #expect(checkError.description.hasPrefix("the Kafka broker at \(address) is unreachable: "), "\(checkError)")
        #expect(checkError.description.contains("Connection refused"), "\(checkError)")

        let consumer = try KafkaTest.consumer(address)
        defer { consumer.close() }
        let (read, readTook) = await KafkaTest.failureMeasured {
            _ = try consumer.readAll(topics: ["clickstream-page-log"], timeout: .seconds(2))
        }
        #expect(readTook < .seconds(30), "\(readTook)")
        let readError = try #require(read)
        guard case .brokerUnreachable(let servers, let reason, _) = readError else {
            Issue.record("expected brokerUnreachable, got \(String(describing: read))")
            return
        }
        #expect(servers == address)
        #expect(reason.contains("Connection refused"), "\(reason)")
        await #expect(throws: KafkaError.self) {
            try await consumer.topics(matching: ".*", timeout: .milliseconds(500))
        }
        await #expect(throws: KafkaError.self) { try await producer.checkConnection(timeout: .milliseconds(500)) }
    }

    @Test("an error answer from the broker reaches the delivery report with its code and text")
    func brokerErrorAnswer() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        try cluster.createTopic("clickstream-denied-log", partitions: 1)
        let producer = try KafkaTest.producer(cluster.bootstrapServers)
        defer { producer.close() }
        _ = try await producer.send(topic: "clickstream-denied-log", value: [1])

        try cluster.failNextRequests(.produce, with: [.messageSizeTooLarge])
        let error = try await #require(throws: KafkaDeliveryError.self) {
            try await producer.send(topic: "clickstream-denied-log", value: [2])
        }
        #expect(error.code == .messageSizeTooLarge)
        #expect(error.partition == 0)
        #expect(error.description.contains("Broker: Message size too large"), "\(error)")
        // The next message goes through again.
        _ = try await producer.send(topic: "clickstream-denied-log", value: [3])
    }

    @Test("close reports every message still queued as purged, each exactly once, before it returns")
    func closePurgesWhatIsQueued() throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        try cluster.setBrokerDown()
        let producer = try KafkaTest.producer(cluster.bootstrapServers, messageTimeout: .seconds(60))
        let log = DeliveryLog()
        for index in 0..<50 {
            try producer.produce(
                topic: "clickstream-x-log", value: [UInt8(index)], onDelivery: log.callback("\(index)"))
        }
        #expect(producer.pendingCount == 50)

        producer.close(flushTimeout: .milliseconds(100))
        #expect(log.count == 50)
        let codes = Set(log.all.values.flatMap { $0 }.map { $0.error?.code })
        #expect(codes == [.purgedFromQueue], "\(codes)")
        #expect(throws: KafkaError.closed(role: "producer")) {
            try producer.produce(topic: "clickstream-x-log", value: [1]) { _ in }
        }
        producer.close()  // a second close does nothing
    }

    @Test("close called in a delivery callback neither deadlocks nor loses a report")
    func closeFromACallback() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        let producer = try KafkaTest.producer(cluster.bootstrapServers)
        let log = DeliveryLog()
        try producer.produce(topic: "clickstream-y-log", value: [0]) { result in
            log.callback("0")(result)
            producer.close()
        }
        var accepted: Set<String> = ["0"]
        for index in 1..<20 {
            do {
                try producer.produce(
                    topic: "clickstream-y-log", value: [UInt8(index)], onDelivery: log.callback("\(index)"))
                accepted.insert("\(index)")
            } catch {
                // The first report came back and closed the producer before this one.
                #expect(error == .closed(role: "producer"))
            }
        }
        let expected = accepted
        #expect(try await KafkaTest.eventually(timeout: .seconds(20)) { log.count >= expected.count })
        // Every queued message got exactly one report: delivered, or purged by the close.
        #expect(Set(log.all.keys) == expected)
        #expect(log.all.values.allSatisfy { $0.count == 1 })
        let codes = Set(log.all.values.compactMap { $0.first?.error?.code })
        #expect(codes.isSubset(of: [.purgedFromQueue, .purgedInFlight]), "\(codes)")
        #expect(throws: KafkaError.closed(role: "producer")) { try producer.flush(timeout: .seconds(1)) }
    }
}
