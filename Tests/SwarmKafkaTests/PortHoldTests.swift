import Foundation
import Glibc
import SwarmKafka
import Testing

/// A downed mock broker keeps its port: librdkafka's `set_up` aborts the process when it cannot
/// bind it again, and a busy machine hands free ports out quickly.
@Suite("A downed mock broker's port is held")
struct PortHoldTests {
    /// Whether a socket of ours can bind 127.0.0.1 at `port` (it is closed at once).
    static func canBind(_ port: UInt16) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { _ = close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// No client connects before the outage, so no TIME_WAIT socket holds the port: only the
    /// hold can make the bind fail.
    @Test("while down nobody else can bind the port; up again, the broker delivers on it")
    func portHeldWhileDown() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        let port = try #require(cluster.bootstrapServers.split(separator: ":").last.flatMap { UInt16($0) })
        try cluster.setBrokerDown()
        #expect(!Self.canBind(port), "the downed broker's port \(port) must stay taken")
        try cluster.setBrokerUp()
        let topic = "clickstream-porthold-log"
        try cluster.createTopic(topic, partitions: 1)
        let producer = try KafkaTest.producer(cluster.bootstrapServers, messageTimeout: .seconds(10))
        defer { producer.close() }
        var attempts = OutageTests.Attempts()
        try await attempts.sendUntilDelivered(producer, topic: topic, key: "after")
        #expect(!attempts.delivered.isEmpty)
    }
}
