internal import CRdKafka
import Foundation
import NIOConcurrencyHelpers
import SwarmPrimitives

/// Reads topics back from Kafka, for the audit: every message from the start of the topics (or
/// from a time) up to their high watermarks as they were when the call began, then stops.
///
/// **Threading.** Every call blocks the calling thread (never call it on an event loop; from
/// async code, the async variants run it on a thread of their own) and the calls are serialized:
/// one at a time per consumer. `read`'s handler runs on the calling thread and must not call the
/// consumer back. The consumer assigns partitions itself and commits no
/// offsets; it joins no consumer group rebalance.
public final class KafkaConsumer: Sendable {
    /// Where a read starts in each partition.
    public enum StartPosition: Sendable, Hashable {
        /// The partition's low watermark: every message the cluster still keeps.
        case beginning
        /// The first message whose timestamp is at or after this time (`rd_kafka_offsets_for_times`).
        case timestamp(Date)
    }

    public let configuration: KafkaConsumerConfiguration
    private let handle: KafkaHandle
    /// Held for each call: librdkafka's consumer handle is used by one call at a time.
    private let lock = NIOLock()
    /// Read and written only while `lock` is held.
    private let closed = NIOLockedValueBox(false)

    public init(configuration: KafkaConsumerConfiguration) throws(KafkaError) {
        self.configuration = configuration
        let context = KafkaClientContext(bootstrapServers: configuration.bootstrapServers, logger: configuration.logger)
        handle = try KafkaHandle(role: .consumer, properties: configuration.librdkafkaProperties, context: context)
        // Errors and rebalance events come through rd_kafka_consumer_poll, on the reading thread.
        rd_kafka_poll_set_consumer(handle.pointer)
    }

    deinit { close() }

    /// The cluster's topics whose whole name matches the regular expression `pattern`, sorted by
    /// name, e.g. `clickstream-.*-log`. Blocks up to `timeout`.
    public func topics(matching pattern: String, timeout: Duration = .seconds(10)) throws(KafkaError)
        -> [KafkaTopicInfo]
    {
        lock.lock()
        defer { lock.unlock() }
        guard !closed.withLockedValue({ $0 }) else { throw .closed(role: "consumer") }
        return try handle.topics(matching: pattern, timeout: timeout)
    }

    /// Reads every partition of `topics` from `start` up to its high watermark as it is now,
    /// passing each message to `handler` in offset order per partition, and returns once all are
    /// reached or after `timeout` (whichever is first): the summary says which.
    ///
    /// - Throws: ``KafkaError`` for an unreachable cluster, an unknown topic or a read that cannot
    ///   succeed; whatever `handler` throws (the read stops there).
    public func read(
        topics: [String], from start: StartPosition = .beginning, timeout: Duration,
        _ handler: (KafkaMessage) throws -> Void
    ) throws -> KafkaReadSummary {
        lock.lock()
        defer { lock.unlock() }
        guard !closed.withLockedValue({ $0 }) else { throw KafkaError.closed(role: "consumer") }
        let reader = CatchUpReader(handle: handle, deadline: .now + timeout)
        let partitions = try reader.plan(topics: topics, start: start)
        return try reader.consume(partitions, handler)
    }

    /// ``read(topics:from:timeout:_:)`` collecting the messages.
    public func readAll(
        topics: [String], from start: StartPosition = .beginning, timeout: Duration
    ) throws -> (messages: [KafkaMessage], summary: KafkaReadSummary) {
        var messages: [KafkaMessage] = []
        let summary = try read(topics: topics, from: start, timeout: timeout) { messages.append($0) }
        return (messages, summary)
    }

    /// ``topics(matching:timeout:)`` on a thread of its own: waits without blocking the caller's.
    public func topics(matching pattern: String, timeout: Duration = .seconds(10)) async throws(KafkaError)
        -> [KafkaTopicInfo]
    {
        try await BlockingThread.run("clickswarm-kafka-metadata") { [self] () throws(KafkaError) in
            try topics(matching: pattern, timeout: timeout)
        }
    }

    /// ``readAll(topics:from:timeout:)`` on a thread of its own: waits without blocking the
    /// caller's thread (an audit may read for minutes).
    public func readAll(
        topics: [String], from start: StartPosition = .beginning, timeout: Duration
    ) async throws -> (messages: [KafkaMessage], summary: KafkaReadSummary) {
        try await BlockingThread.run("clickswarm-kafka-read") { [self] in
            try readAll(topics: topics, from: start, timeout: timeout)
        }
    }

    /// Leaves the cluster and destroys the client; later calls throw ``KafkaError/closed(role:)``.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed.withLockedValue({ $0 }) else { return }
        closed.withLockedValue { $0 = true }
        _ = rd_kafka_consumer_close(handle.pointer)
        handle.destroy()
    }
}
