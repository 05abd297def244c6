internal import CRdKafka
import NIOConcurrencyHelpers

/// One `rd_kafka_t` with its callback context: configured and created, asked for metadata, and
/// destroyed exactly once. ``KafkaProducer``, ``KafkaConsumer`` and ``KafkaMockCluster`` each own one.
///
/// `@unchecked Sendable` is safe: `pointer` and `context` never change after `init`; librdkafka
/// documents every `rd_kafka_t` function used here as callable from any thread; and `destroy()`
/// runs `rd_kafka_destroy` at most once (guarded by `destroyed`), which owners call only once
/// nothing else uses the pointer (after joining their threads and refusing new calls).
final class KafkaHandle: @unchecked Sendable {
    enum Role: String {
        case producer
        case consumer
        case mockCluster = "mock cluster"
    }

    /// A topic of the cluster's metadata, with its partition ids.
    struct Topic {
        var name: String
        var partitions: [Int32]
        var error: KafkaErrorCode?
    }

    let pointer: OpaquePointer
    let context: KafkaClientContext
    let role: Role
    private let retainedContext: Unmanaged<KafkaClientContext>
    private let destroyed = NIOLockedValueBox(false)

    /// - Parameter deliveryReportEvents: deliver reports as `RD_KAFKA_EVENT_DR` events on the main
    ///   queue (served by ``DeliveryPoller``) instead of callbacks from `rd_kafka_poll`.
    init(
        role: Role, properties: [(name: String, value: String)], context: KafkaClientContext,
        deliveryReportEvents: Bool = false
    ) throws(KafkaError) {
        let retained = Unmanaged.passRetained(context)
        var created = false
        defer { if !created { retained.release() } }
        guard let conf = rd_kafka_conf_new() else {
            throw .clientNotCreated(role: role.rawValue, reason: "rd_kafka_conf_new failed (out of memory?)")
        }
        var confOwned = true
        defer { if confOwned { rd_kafka_conf_destroy(conf) } }

        var reason = [CChar](repeating: 0, count: 512)
        for (name, value) in properties {
            let result = rd_kafka_conf_set(conf, name, value, &reason, reason.count)
            if result != RD_KAFKA_CONF_OK {
                throw .invalidSetting(name: name, value: value, reason: Self.string(reason))
            }
        }
        rd_kafka_conf_set_opaque(conf, retained.toOpaque())
        KafkaClientContext.installCallbacks(on: conf)
        if deliveryReportEvents { rd_kafka_conf_set_events(conf, RD_KAFKA_EVENT_DR) }

        let type = role == .consumer ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER
        guard let handle = rd_kafka_new(type, conf, &reason, reason.count) else {
            throw .clientNotCreated(role: role.rawValue, reason: Self.string(reason))
        }
        confOwned = false  // rd_kafka_new took it over
        created = true
        pointer = handle
        self.context = context
        self.role = role
        retainedContext = retained
    }

    /// `rd_kafka_destroy`, once; later calls do nothing. The context is released after it, when
    /// no callback can run any more.
    func destroy() {
        let first = destroyed.withLockedValue { destroyed in
            defer { destroyed = true }
            return !destroyed
        }
        guard first else { return }
        rd_kafka_destroy(pointer)
        retainedContext.release()
    }

    /// Every topic of the cluster's metadata (one request; blocks up to `timeout`).
    func metadata(timeout: Duration) throws(KafkaError) -> [Topic] {
        var metadata: UnsafePointer<rd_kafka_metadata_t>?
        let started = ContinuousClock.now
        let error = rd_kafka_metadata(pointer, 1, nil, &metadata, timeout.kafkaMilliseconds)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw failure(
                KafkaErrorCode(error), operation: "asking for the cluster's topics", waited: .now - started)
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let all = UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
        return all.map { topic in
            let partitions = UnsafeBufferPointer(start: topic.partitions, count: Int(topic.partition_cnt))
            return Topic(
                name: String(cString: topic.topic), partitions: partitions.map(\.id).sorted(),
                error: topic.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaErrorCode(topic.err))
        }
    }

    /// The topics whose whole name matches the regular expression `pattern`, sorted by name.
    func topics(matching pattern: String, timeout: Duration) throws(KafkaError) -> [KafkaTopicInfo] {
        let regex: Regex<AnyRegexOutput>
        do {
            regex = try Regex(pattern)
        } catch {
            throw .invalidTopicPattern(pattern, reason: "\(error)")
        }
        return try metadata(timeout: timeout)
            .filter { $0.error == nil && $0.name.wholeMatch(of: regex) != nil }
            .map { KafkaTopicInfo(name: $0.name, partitionCount: $0.partitions.count) }
            .sorted { $0.name < $1.name }
    }

    /// The error for a failed request: unreachable brokers (with the last broker error, which says
    /// why) or the request's own failure.
    func failure(_ code: KafkaErrorCode, operation: String, waited: Duration) -> KafkaError {
        if code.meansUnreachable {
            return .brokerUnreachable(
                bootstrapServers: context.bootstrapServers,
                reason: context.lastBrokerErrorReason ?? code.description, waited: waited)
        }
        return .requestFailed(operation: operation, bootstrapServers: context.bootstrapServers, code: code)
    }

    static func string(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
