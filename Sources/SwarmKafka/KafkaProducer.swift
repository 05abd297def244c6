internal import CRdKafka
import Foundation
import SwarmPrimitives

/// Publishes messages to Kafka through librdkafka, each with its own delivery report.
///
/// **Threading.** `produce` only queues the message (librdkafka copies it) and returns at once:
/// it never blocks on the network, so it may be called from any thread, a SwiftNIO event loop
/// included. When the queue is full it throws ``KafkaError/queueFull(topic:)`` instead of waiting.
/// Delivery reports come back on the producer's own delivery thread, which runs the message's
/// `onDelivery` callback there, exactly once per queued message: with the broker's partition and
/// offset, or with a ``KafkaDeliveryError`` (timed out after `messageTimeout`, purged by `close`,
/// refused by the broker). Keep callbacks short and hop to your own executor; from an event loop,
/// complete a promise (`promise.succeed(report)` is thread safe and runs its callbacks on the
/// promise's loop) or `eventLoop.execute { ... }`. A callback may call `produce`; it must not call
/// `flush` (which would wait for the very thread it runs on).
///
/// **Shutdown.** `close(flushTimeout:)` refuses further calls, waits up to `flushTimeout` for
/// queued messages, then purges the rest (their callbacks get ``KafkaErrorCode/purgedFromQueue``
/// or ``KafkaErrorCode/purgedInFlight``) and destroys the client: when it returns, every callback
/// has run. Releasing the last reference without `close` closes with no flush: what is still
/// queued is purged and reported as such.
public final class KafkaProducer: Sendable {
    public let configuration: KafkaProducerConfiguration
    private let handle: KafkaHandle
    private let gate = UseGate()
    private let poller: DeliveryPoller

    /// Creates the client and its delivery thread. Connecting happens in the background: an
    /// unreachable broker shows in delivery errors, or at once with ``checkConnection(timeout:)``.
    public init(configuration: KafkaProducerConfiguration) throws(KafkaError) {
        self.configuration = configuration
        let context = KafkaClientContext(bootstrapServers: configuration.bootstrapServers, logger: configuration.logger)
        handle = try KafkaHandle(
            role: .producer, properties: configuration.librdkafkaProperties, context: context,
            deliveryReportEvents: true)
        poller = DeliveryPoller(handle: handle, gate: gate, messageTimeout: configuration.messageTimeout)
    }

    deinit { close(flushTimeout: .zero) }

    /// Queues one message; `onDelivery` gets its report on the delivery thread (see the type).
    ///
    /// - Parameters:
    ///   - key: `nil` for none; messages with the same key go to the same partition.
    ///   - partition: a partition number, or `nil` to let the partitioner choose by key.
    ///   - timestamp: the message's create time; `nil` for now.
    /// - Throws: ``KafkaError/queueFull(topic:)`` when librdkafka's queue is full,
    ///   ``KafkaError/messageTooLarge(topic:bytes:)``, ``KafkaError/closed(role:)`` after `close`.
    ///   Then `onDelivery` is not called.
    public func produce(
        topic: String, key: [UInt8]? = nil, value: [UInt8], headers: [KafkaHeader] = [], partition: Int32? = nil,
        timestamp: Date? = nil, onDelivery: @escaping @Sendable (KafkaDeliveryResult) -> Void
    ) throws(KafkaError) {
        try gate.use(role: .producer) { () throws(KafkaError) in
            let headerList = Self.headerList(headers)
            let box = Unmanaged.passRetained(DeliveryBox(topic: topic, callback: onDelivery))
            let milliseconds = timestamp.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } ?? 0
            poller.count(queued: true)
            let error = key.withUnsafeBytesOrNil { keyBytes in
                Optional(value).withUnsafeBytesOrNil { valueBytes in
                    cs_rd_kafka_produce(
                        handle.pointer, topic, partition ?? cs_rd_kafka_partition_unassigned(),
                        keyBytes.baseAddress, keyBytes.count, valueBytes.baseAddress, valueBytes.count,
                        milliseconds, headerList, box.toOpaque())
                }
            }
            guard error != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
            // Not queued: no report will come, and the headers are still ours.
            box.release()
            poller.count(queued: false)
            if let headerList { rd_kafka_headers_destroy(headerList) }
            throw Self.produceError(KafkaErrorCode(error), topic: topic, bytes: value.count + (key?.count ?? 0))
        }
    }

    /// Queues one message and waits for its delivery report.
    /// - Throws: a ``KafkaError`` if it was not queued, a ``KafkaDeliveryError`` if not delivered.
    public func send(
        topic: String, key: [UInt8]? = nil, value: [UInt8], headers: [KafkaHeader] = [], partition: Int32? = nil,
        timestamp: Date? = nil
    ) async throws -> KafkaDeliveryReport {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try produce(
                    topic: topic, key: key, value: value, headers: headers, partition: partition,
                    timestamp: timestamp
                ) { result in continuation.resume(with: result) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Messages queued or in flight whose delivery report has not reached their callback yet.
    public var pendingCount: Int { poller.pendingCount }

    /// Waits until every message queued so far has had its delivery report, and its callback has
    /// returned; `linger` is skipped meanwhile. Blocks the calling thread: never call it on an
    /// event loop or in a delivery callback.
    /// - Throws: ``KafkaError/flushTimedOut(pending:waited:bootstrapServers:lastBrokerError:)``.
    public func flush(timeout: Duration) throws(KafkaError) {
        precondition(
            !poller.isCurrentThread,
            "KafkaProducer.flush was called in a delivery callback: it would wait for its own thread")
        try gate.use(role: .producer) { () throws(KafkaError) in
            guard rd_kafka_flush(handle.pointer, timeout.kafkaMilliseconds) != RD_KAFKA_RESP_ERR_NO_ERROR else {
                return
            }
            throw .flushTimedOut(
                pending: poller.pendingCount, waited: timeout,
                bootstrapServers: configuration.bootstrapServers, lastBrokerError: handle.context.lastBrokerError)
        }
    }

    /// ``flush(timeout:)`` on a thread of its own: waits without blocking the caller's thread.
    public func flush(timeout: Duration) async throws(KafkaError) {
        try await BlockingThread.run("clickswarm-kafka-flush") { [self] () throws(KafkaError) in
            try flush(timeout: timeout)
        }
    }

    /// Asks the cluster for its metadata, to find out now whether a broker answers. Blocks up to
    /// `timeout`. - Throws: ``KafkaError/brokerUnreachable(bootstrapServers:reason:waited:)``.
    public func checkConnection(timeout: Duration) throws(KafkaError) {
        _ = try gate.use(role: .producer) { () throws(KafkaError) in try handle.metadata(timeout: timeout) }
    }

    /// ``checkConnection(timeout:)`` on a thread of its own.
    public func checkConnection(timeout: Duration) async throws(KafkaError) {
        try await BlockingThread.run("clickswarm-kafka-metadata") { [self] () throws(KafkaError) in
            try checkConnection(timeout: timeout)
        }
    }

    /// The cluster's topics whose whole name matches the regular expression `pattern`.
    public func topics(matching pattern: String, timeout: Duration) throws(KafkaError) -> [KafkaTopicInfo] {
        try gate.use(role: .producer) { () throws(KafkaError) in
            try handle.topics(matching: pattern, timeout: timeout)
        }
    }

    /// Flushes for up to `flushTimeout`, purges what is left (reported as purged), stops the
    /// delivery thread and destroys the client; later calls throw ``KafkaError/closed(role:)``.
    /// Only the first call does anything. In a delivery callback it does not wait: the delivery
    /// thread finishes closing after the callback returns.
    public func close(flushTimeout: Duration = .seconds(10)) {
        guard gate.close() else { return }
        if !poller.isCurrentThread {
            gate.waitUntilIdle()
            _ = rd_kafka_flush(handle.pointer, flushTimeout.kafkaMilliseconds)
        }
        poller.stop(drainingFor: .seconds(5))
    }

    /// ``close(flushTimeout:)`` on a thread of its own: waits without blocking the caller's thread.
    public func close(flushTimeout: Duration = .seconds(10)) async {
        await BlockingThread.run("clickswarm-kafka-close") { [self] in close(flushTimeout: flushTimeout) }
    }

    private static func headerList(_ headers: [KafkaHeader]) -> OpaquePointer? {
        guard !headers.isEmpty, let list = rd_kafka_headers_new(headers.count) else { return nil }
        for header in headers {
            header.value.withUnsafeBytesOrNil { bytes in
                _ = rd_kafka_header_add(list, header.name, -1, bytes.baseAddress, bytes.count)
            }
        }
        return list
    }

    private static func produceError(_ code: KafkaErrorCode, topic: String, bytes: Int) -> KafkaError {
        switch code {
        case .queueFull: .queueFull(topic: topic)
        case .messageSizeTooLarge: .messageTooLarge(topic: topic, bytes: bytes)
        default: .produceRejected(topic: topic, code: code)
        }
    }
}

extension Optional where Wrapped == [UInt8] {
    /// The bytes as librdkafka tells null from empty: a nil base address for `nil` (null on the
    /// wire), a non-nil one for an array, even an empty one (whose own base address may be nil).
    fileprivate func withUnsafeBytesOrNil<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        switch self {
        case .some(let bytes) where bytes.isEmpty:
            withUnsafeBytes(of: UInt8(0)) { body(UnsafeRawBufferPointer(start: $0.baseAddress, count: 0)) }
        case .some(let bytes): bytes.withUnsafeBytes(body)
        case .none: body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }
}
