import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import RaccoonWire
import SwarmKafka

/// The embedded collector's Kafka publisher, as Raccoon's (`publisher/kafka/kafka.go`): each
/// event of a batch is produced on its own, its `event_bytes` as the value, no key, no headers,
/// to the topic of its type; the batch's outcome is known once every event has its delivery
/// report. Counts what it queued, delivered and lost, by librdkafka's reason.
///
/// `produce` only queues (it never blocks an event loop); reports come on the producer's delivery
/// thread and complete the batch's promise, whose callbacks run on the batch's loop.
package final class KafkaEventPublisher: Sendable {
    package let settings: KafkaPublishing
    private let producer: KafkaProducer
    private let counters = NIOLockedValueBox(KafkaPublishCounters())

    /// Makes the producer and asks the brokers for their metadata, so that an unreachable
    /// broker stops the collector at start with its address, not its first batch.
    package static func connect(_ settings: KafkaPublishing, logger: Logger) async throws(CollectorError)
        -> KafkaEventPublisher
    {
        let publisher: KafkaEventPublisher
        do {
            publisher = try KafkaEventPublisher(settings: settings, logger: logger)
        } catch {
            throw .kafkaUnavailable(bootstrapServers: settings.bootstrapServers, reason: error.description)
        }
        do {
            try await publisher.producer.checkConnection(timeout: .seconds(settings.connectTimeout))
        } catch {
            await publisher.close(flushTimeout: 0)
            throw .kafkaUnavailable(bootstrapServers: settings.bootstrapServers, reason: error.description)
        }
        return publisher
    }

    private init(settings: KafkaPublishing, logger: Logger) throws(KafkaError) {
        self.settings = settings
        var configuration = KafkaProducerConfiguration(bootstrapServers: settings.bootstrapServers)
        configuration.clientID = "clickswarm-collector"
        configuration.messageTimeout = .milliseconds(Int64((settings.messageTimeout * 1000).rounded()))
        configuration.properties = settings.properties
        configuration.logger = logger
        producer = try KafkaProducer(configuration: configuration)
    }

    /// Queues every event of a batch; the future (on `loop`) succeeds once each has its report.
    package func publish(_ events: [RaccoonEvent], on loop: any EventLoop) -> EventLoopFuture<PublishOutcome> {
        guard !events.isEmpty else { return loop.makeSucceededFuture(PublishOutcome(failures: [])) }
        let batch = PendingPublish(count: events.count, promise: loop.makePromise(), counters: counters)
        counters.withLockedValue { $0.queued += UInt64(events.count) }
        for (index, event) in events.enumerated() {
            let topic = settings.topics.topic(for: event.type)
            do {
                try producer.produce(topic: topic, value: [UInt8](event.eventBytes)) { result in
                    switch result {
                    case .success: batch.report(index, nil)
                    case .failure(let error):
                        batch.report(index, PublishFailure(code: error.code, topic: topic, synchronous: false))
                    }
                }
            } catch {
                batch.report(index, PublishFailure(error, topic: topic))
            }
        }
        return batch.promise.futureResult
    }

    /// What was published so far.
    package var figures: KafkaPublishCounters { counters.withLockedValue { $0 } }

    /// Waits up to `timeout` seconds for every queued event's report, then purges the rest (each
    /// reported as purged) and closes the producer: after it, nothing is in flight and `publish`
    /// fails every event. Only the first call does anything.
    package func close(flushTimeout timeout: Double) async {
        await producer.close(flushTimeout: .milliseconds(Int64((timeout * 1000).rounded())))
    }
}

/// One batch waiting for its events' reports. Reports come on the delivery thread (and, for a
/// refused `produce`, on the loop), so its state is under a lock; the last one completes the
/// promise, which is safe from any thread.
private final class PendingPublish: Sendable {
    let promise: EventLoopPromise<PublishOutcome>
    private let state: NIOLockedValueBox<(remaining: Int, failures: [PublishFailure?])>
    private let counters: NIOLockedValueBox<KafkaPublishCounters>

    init(count: Int, promise: EventLoopPromise<PublishOutcome>, counters: NIOLockedValueBox<KafkaPublishCounters>) {
        self.promise = promise
        self.state = NIOLockedValueBox((count, [PublishFailure?](repeating: nil, count: count)))
        self.counters = counters
    }

    func report(_ index: Int, _ failure: PublishFailure?) {
        let done: [PublishFailure?]? = state.withLockedValue { state in
            state.failures[index] = failure
            state.remaining -= 1
            return state.remaining == 0 ? state.failures : nil
        }
        guard let done else { return }
        counters.withLockedValue { $0.count(done) }
        promise.succeed(PublishOutcome(failures: done))
    }
}

/// The publisher's figures, as `/stats` shows them under `kafka`.
package struct KafkaPublishCounters: Sendable, Equatable {
    /// Events handed to `produce` (refused ones included).
    package var queued: UInt64 = 0
    package var delivered: UInt64 = 0
    /// Events not delivered, by ``PublishFailure/reason``.
    package var failed: [String: UInt64] = [:]

    /// Events whose batch has not had every report yet.
    package var inFlight: UInt64 {
        let settled = delivered + failed.values.reduce(0, +)
        return queued > settled ? queued - settled : 0
    }

    mutating func count(_ failures: [PublishFailure?]) {
        for failure in failures {
            if let failure {
                failed[failure.reason, default: 0] += 1
            } else {
                delivered += 1
            }
        }
    }
}
