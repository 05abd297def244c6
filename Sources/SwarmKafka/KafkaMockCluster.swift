internal import CRdKafka
import NIOConcurrencyHelpers

/// librdkafka's built-in mock Kafka cluster: real brokers on loopback TCP ports, speaking the
/// Kafka protocol (produce, fetch, metadata, offsets, consumer groups) and keeping messages in
/// memory, with faults on demand. For tests and `clickswarm broker`; not a real Kafka.
///
/// What librdkafka 2.0.2's mock can and cannot do:
/// - each broker listens on 127.0.0.1 at a port the kernel picks: there is no way to choose it
///   (`rd_kafka_mock_cluster_new` takes only a broker count, and `test.mock.num.brokers` does
///   the same inside a client), so clients use ``bootstrapServers``;
/// - a broker can go down (connections closed, new ones refused) and come back on the same port
///   (held meanwhile by a bound socket, `PortHold`, since `set_up` aborts when it cannot bind);
/// - the next N requests of a kind can fail with given error codes, and brokers can be slowed;
/// - topics are auto-created on first produce (4 partitions), or created with N partitions;
/// - ListOffsets ignores timestamps (it answers -1), so offsets for times cannot be tested here.
///
/// `@unchecked Sendable` is safe: `cluster` never changes after `init`; every `rd_kafka_mock_*`
/// function used here posts a command to the cluster's own thread and waits for its answer, which
/// librdkafka makes safe from any thread; and each call runs inside `gate`, so `close` destroys
/// the cluster once (the gate closes once), after the calls in flight, and later calls throw;
/// `held` is behind its own lock.
package final class KafkaMockCluster: @unchecked Sendable {
    /// A Kafka protocol request type, for ``failNextRequests(_:with:)``.
    package enum Request: Int16, Sendable {
        case produce = 0
        case fetch = 1
        case listOffsets = 2
        case metadata = 3
        case offsetCommit = 8
        case offsetFetch = 9
        case findCoordinator = 10
    }

    /// The brokers' addresses, comma-separated: the clients' `bootstrap.servers`.
    package let bootstrapServers: String
    package let brokerCount: Int
    private let handle: KafkaHandle
    private let cluster: OpaquePointer
    private let gate = UseGate()
    /// The ports of downed brokers, held until they come up (`PortHold`).
    private let held = NIOLockedValueBox<[UInt16: PortHold]>([:])

    /// Starts `brokers` brokers (ids 1 through `brokers`) on the cluster's own thread.
    package init(brokers: Int = 1) throws(KafkaError) {
        precondition(brokers >= 1, "a mock cluster needs at least one broker")
        let context = KafkaClientContext(bootstrapServers: "", logger: nil)
        // The handle only hosts the cluster; it never connects anywhere.
        handle = try KafkaHandle(role: .mockCluster, properties: [], context: context)
        guard let cluster = rd_kafka_mock_cluster_new(handle.pointer, Int32(brokers)) else {
            handle.destroy()
            throw .mockCluster(operation: "start", reason: "rd_kafka_mock_cluster_new failed (no loopback ports?)")
        }
        self.cluster = cluster
        brokerCount = brokers
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit { close() }

    /// Creates `name` with `partitions` partitions (leaders spread over the brokers).
    package func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        try run("create topic \(name)") {
            rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
        }
    }

    /// Takes a broker down, or all of them (`nil`): their connections close, new ones are refused.
    /// It keeps its port and partitions; leadership does not move.
    package func setBrokerDown(_ broker: Int32? = nil) throws(KafkaError) {
        try run("take broker \(broker.map(String.init) ?? "all") down") {
            rd_kafka_mock_broker_set_down(cluster, broker ?? -1)
        }
        let ports = ports(of: broker)
        held.withLockedValue { held in
            for port in ports where held[port] == nil { held[port] = PortHold(port: port) }
        }
    }

    /// Brings a broker (or all of them) back up on its port.
    package func setBrokerUp(_ broker: Int32? = nil) throws(KafkaError) {
        let ports = ports(of: broker)
        held.withLockedValue { held in
            for port in ports { held[port] = nil }
        }
        try run("bring broker \(broker.map(String.init) ?? "all") up") {
            rd_kafka_mock_broker_set_up(cluster, broker ?? -1)
        }
    }

    /// Delays every response of a broker (or of all) by `delay`.
    package func setRoundTripTime(_ delay: Duration, broker: Int32? = nil) throws(KafkaError) {
        try run("set the round-trip time") {
            rd_kafka_mock_broker_set_rtt(cluster, broker ?? -1, delay.kafkaMilliseconds)
        }
    }

    /// Makes the next `errors.count` requests of `request`, to any broker, fail with these codes in
    /// order. ``KafkaErrorCode/transport`` makes the broker drop the connection instead.
    package func failNextRequests(_ request: Request, with errors: [KafkaErrorCode]) throws(KafkaError) {
        let codes = errors.map(\.cValue)
        try gate.use(role: .mockCluster) { () throws(KafkaError) in
            rd_kafka_mock_push_request_errors_array(cluster, request.rawValue, codes.count, codes)
        }
    }

    /// Stops the brokers (clients see their connections close) and destroys the cluster.
    package func close() {
        guard gate.close() else { return }
        gate.waitUntilIdle()
        rd_kafka_mock_cluster_destroy(cluster)
        handle.destroy()
        held.withLockedValue { $0.removeAll() }
    }

    /// The ports of one broker (ids from 1, in ``bootstrapServers``' order, which is librdkafka's
    /// order of creation) or of all.
    private func ports(of broker: Int32?) -> [UInt16] {
        let all = PortHold.ports(of: bootstrapServers)
        guard let broker else { return all }
        return all.indices.contains(Int(broker) - 1) ? [all[Int(broker) - 1]] : []
    }

    private func run(_ operation: String, _ command: () -> rd_kafka_resp_err_t) throws(KafkaError) {
        try gate.use(role: .mockCluster) { () throws(KafkaError) in
            let error = command()
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw .mockCluster(operation: operation, reason: KafkaErrorCode(error).description)
            }
        }
    }
}
