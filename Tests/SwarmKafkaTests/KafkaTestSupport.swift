import Foundation
import NIOConcurrencyHelpers
import SwarmKafka
import SwarmPrimitives

/// Clients configured for tests against a ``KafkaMockCluster``: short reconnect back-off, so that
/// a broker that comes back is reconnected to within a fraction of a second.
enum KafkaTest {
    static let fastReconnect = ["reconnect.backoff.ms": "20", "reconnect.backoff.max.ms": "200"]

    static func producer(
        _ bootstrapServers: String, messageTimeout: Duration = .seconds(20), properties: [String: String] = [:]
    ) throws -> KafkaProducer {
        var configuration = KafkaProducerConfiguration(bootstrapServers: bootstrapServers)
        configuration.clientID = "clickswarm-tests"
        configuration.messageTimeout = messageTimeout
        configuration.linger = .milliseconds(1)
        configuration.properties = fastReconnect.merging(properties) { $1 }
        return try KafkaProducer(configuration: configuration)
    }

    static func consumer(_ bootstrapServers: String) throws -> KafkaConsumer {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrapServers)
        configuration.properties = fastReconnect
        return try KafkaConsumer(configuration: configuration)
    }

    /// An address where nothing listens: a mock broker's, after the cluster has stopped.
    static func deadAddress() throws -> String {
        let cluster = try KafkaMockCluster()
        let address = cluster.bootstrapServers
        cluster.close()
        return address
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    /// Sends one message and returns its delivery result with how long it took, measured on the
    /// delivery thread: a busy test process may resume an awaiting test much later.
    static func sendMeasured(
        _ producer: KafkaProducer, topic: String, key: String? = nil, value: [UInt8]
    ) async throws -> (result: KafkaDeliveryResult, took: Duration) {
        let started = ContinuousClock.now
        return try await withCheckedThrowingContinuation { continuation in
            do {
                try producer.produce(topic: topic, key: key.map(bytes), value: value) { result in
                    continuation.resume(returning: (result, ContinuousClock.now - started))
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Runs a blocking call on a thread of its own and returns the ``KafkaError`` it threw (nil if
    /// none) with how long the call took, measured on that thread.
    static func failureMeasured(
        _ body: @escaping @Sendable () throws -> Void
    ) async -> (error: KafkaError?, took: Duration) {
        await BlockingThread.run("kafka test call") {
            let started = ContinuousClock.now
            var failure: KafkaError?
            do { try body() } catch { failure = error as? KafkaError }
            return (failure, ContinuousClock.now - started)
        }
    }

    /// Polls `condition` until it holds or `timeout` passes; returns whether it held.
    static func eventually(timeout: Duration, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}

/// Delivery results as the delivery thread hands them over, by a test's own message id.
final class DeliveryLog: Sendable {
    private let results = NIOLockedValueBox<[String: [KafkaDeliveryResult]]>([:])

    /// A callback that records its result under `id`.
    func callback(_ id: String) -> @Sendable (KafkaDeliveryResult) -> Void {
        { result in self.results.withLockedValue { $0[id, default: []].append(result) } }
    }

    var all: [String: [KafkaDeliveryResult]] { results.withLockedValue { $0 } }
    var count: Int { results.withLockedValue { $0.values.reduce(0) { $0 + $1.count } } }

    func result(_ id: String) -> KafkaDeliveryResult? { results.withLockedValue { $0[id]?.first } }
}

extension KafkaDeliveryResult {
    var report: KafkaDeliveryReport? { try? get() }

    var error: KafkaDeliveryError? {
        guard case .failure(let error) = self else { return nil }
        return error
    }
}
