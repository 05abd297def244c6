internal import CRdKafka
import Foundation

/// One ``KafkaConsumer/read(topics:from:timeout:_:)``: finds the partitions and their offsets,
/// assigns them, and consumes until each has reached its high watermark or the deadline passed.
struct CatchUpReader {
    private struct PartitionKey: Hashable {
        var topic: String
        var partition: Int32
    }

    let handle: KafkaHandle
    let deadline: ContinuousClock.Instant
    private let started = ContinuousClock.now

    init(handle: KafkaHandle, deadline: ContinuousClock.Instant) {
        self.handle = handle
        self.deadline = deadline
    }

    private var remainingMilliseconds: Int32 { max(1, (deadline - .now).kafkaMilliseconds) }

    /// Every partition of `topics` with its start offset and the high watermark to reach.
    func plan(topics: [String], start: KafkaConsumer.StartPosition) throws(KafkaError) -> [KafkaReadSummary.Partition] {
        let known = Dictionary(
            try handle.metadata(timeout: deadline - .now).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var partitions: [KafkaReadSummary.Partition] = []
        for name in Set(topics).sorted() {
            guard let topic = known[name], topic.error != .unknownTopicOrPartition else {
                throw .unknownTopic(name, bootstrapServers: handle.context.bootstrapServers)
            }
            if let error = topic.error {
                throw .requestFailed(
                    operation: "reading the metadata of topic \(name)",
                    bootstrapServers: handle.context.bootstrapServers, code: error)
            }
            for partition in topic.partitions {
                var low: Int64 = 0
                var high: Int64 = 0
                let began = ContinuousClock.now
                let error = rd_kafka_query_watermark_offsets(
                    handle.pointer, name, partition, &low, &high, remainingMilliseconds)
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw handle.failure(
                        KafkaErrorCode(error), operation: "asking for the offsets of \(name) partition \(partition)",
                        waited: .now - began)
                }
                partitions.append(
                    .init(
                        topic: name, partition: partition, startOffset: low, endOffset: high, nextOffset: low,
                        messagesRead: 0))
            }
        }
        if case .timestamp(let date) = start { try startAtTime(date, &partitions) }
        return partitions
    }

    /// Moves each start offset to the first message at or after `date`; a partition without one
    /// starts at its high watermark (nothing to read).
    private func startAtTime(_ date: Date, _ partitions: inout [KafkaReadSummary.Partition]) throws(KafkaError) {
        guard !partitions.isEmpty, let list = rd_kafka_topic_partition_list_new(Int32(partitions.count)) else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        for partition in partitions {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition).pointee.offset = milliseconds
        }
        let began = ContinuousClock.now
        let error = rd_kafka_offsets_for_times(handle.pointer, list, remainingMilliseconds)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw handle.failure(
                KafkaErrorCode(error), operation: "finding the offsets at \(date)", waited: .now - began)
        }
        let results = UnsafeBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt))
        for (index, result) in results.enumerated() {
            guard result.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw .requestFailed(
                    operation: "finding the offset at \(date) in \(partitions[index].topic) partition "
                        + "\(partitions[index].partition)", bootstrapServers: handle.context.bootstrapServers,
                    code: KafkaErrorCode(result.err))
            }
            let start = result.offset < 0 ? partitions[index].endOffset : result.offset
            partitions[index].startOffset = start
            partitions[index].nextOffset = start
        }
    }

    /// Assigns the partitions that have something to read and consumes them.
    func consume(
        _ planned: [KafkaReadSummary.Partition], _ handler: (KafkaMessage) throws -> Void
    ) throws -> KafkaReadSummary {
        var partitions = planned
        var index: [PartitionKey: Int] = [:]
        for (position, partition) in partitions.enumerated() where !partition.isCaughtUp {
            index[PartitionKey(topic: partition.topic, partition: partition.partition)] = position
        }
        var lastError: String?
        if !index.isEmpty {
            try assign(partitions.filter { !$0.isCaughtUp })
            defer { rd_kafka_assign(handle.pointer, nil) }
            var topicNames: [OpaquePointer: String] = [:]
            while !index.isEmpty, ContinuousClock.now < deadline {
                guard let message = rd_kafka_consumer_poll(handle.pointer, min(100, remainingMilliseconds)) else {
                    continue
                }
                defer { rd_kafka_message_destroy(message) }
                let topic = Self.topicName(message, cache: &topicNames)
                let key = PartitionKey(topic: topic, partition: message.pointee.partition)
                guard message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    lastError = try handleError(message, key: key, index: &index, partitions: &partitions)
                    continue
                }
                guard let position = index[key], message.pointee.offset >= partitions[position].nextOffset else {
                    continue
                }
                guard message.pointee.offset < partitions[position].endOffset else {
                    index[key] = nil
                    continue
                }
                try handler(KafkaMessage(message, topic: topic))
                partitions[position].nextOffset = message.pointee.offset + 1
                partitions[position].messagesRead += 1
                if partitions[position].isCaughtUp { index[key] = nil }
            }
        }
        return KafkaReadSummary(partitions: partitions, waited: .now - started, lastError: lastError)
    }

    private func assign(_ partitions: [KafkaReadSummary.Partition]) throws(KafkaError) {
        guard let list = rd_kafka_topic_partition_list_new(Int32(partitions.count)) else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition).pointee.offset =
                partition.startOffset
        }
        let error = rd_kafka_assign(handle.pointer, list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .requestFailed(
                operation: "assigning the partitions to read", bootstrapServers: handle.context.bootstrapServers,
                code: KafkaErrorCode(error))
        }
    }

    /// An error message from the consumer: end of partition (caught up if at the high watermark),
    /// an error that retrying cannot cure (thrown), or a passing one (returned, to report).
    private func handleError(
        _ message: UnsafeMutablePointer<rd_kafka_message_t>, key: PartitionKey, index: inout [PartitionKey: Int],
        partitions: inout [KafkaReadSummary.Partition]
    ) throws(KafkaError) -> String? {
        let code = KafkaErrorCode(message.pointee.err)
        switch code {
        case .partitionEOF:
            if let position = index[key], message.pointee.offset >= partitions[position].endOffset {
                // Offsets before the watermark that are not messages (markers, compaction) are read.
                partitions[position].nextOffset = partitions[position].endOffset
                index[key] = nil
            }
            return nil
        case .unknownTopicOrPartition, .unknownTopic, .unknownPartition, .topicAuthorizationFailed:
            throw .readFailed(
                topic: key.topic, partition: key.partition, bootstrapServers: handle.context.bootstrapServers,
                code: code)
        default:
            return String(cString: rd_kafka_message_errstr(message))
        }
    }

    private static func topicName(
        _ message: UnsafeMutablePointer<rd_kafka_message_t>, cache: inout [OpaquePointer: String]
    ) -> String {
        guard let topic = message.pointee.rkt else { return "" }
        if let name = cache[topic] { return name }
        let name = String(cString: rd_kafka_topic_name(topic))
        cache[topic] = name
        return name
    }
}
