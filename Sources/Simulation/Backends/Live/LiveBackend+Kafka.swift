import Collector
import Foundation
import NIOCore
import SwarmKafka

/// `collector.kafka`: the brokers the embedded collector publishes to, the run's own broker
/// when it says `local`, and the audit of them that every such run gets.
extension LiveBackend {
    /// Starts the run's own broker for `collector.kafka: local` (librdkafka's mock cluster, one
    /// broker on a loopback port), or nothing.
    static func startBroker(for scenario: Scenario) throws(RunError) -> KafkaMockCluster? {
        guard scenario.target == .embedded, scenario.collector.kafka?.brokers == .local else { return nil }
        do {
            return try KafkaMockCluster(brokers: 1)
        } catch {
            throw .setupFailed("the run's own Kafka broker (collector.kafka: local) did not start: \(error)")
        }
    }

    /// The embedded collector's publishing settings, with the local broker's address filled in.
    static func kafkaPublishing(for scenario: Scenario, broker: KafkaMockCluster?) -> KafkaPublishing? {
        guard let kafka = scenario.collector.kafka else { return nil }
        let servers: String
        switch kafka.brokers {
        case .local: servers = broker?.bootstrapServers ?? ""
        case .servers(let list): servers = list
        }
        var publishing = KafkaPublishing(bootstrapServers: servers)
        publishing.topics = kafka.topics
        publishing.messageTimeout = kafka.messageTimeout
        return publishing
    }

    /// How long the end of a run waits for the collector's outstanding Kafka reports before it
    /// purges them (counted as failed): the message timeout, but at most a minute.
    static func publishingGrace(for scenario: Scenario) -> Double {
        min((scenario.collector.kafka?.messageTimeout ?? 0) + 1, 60)
    }

    func defaultAudit() async -> KafkaAuditSettings? {
        guard let kafka = collector?.kafka else { return nil }
        var settings = KafkaAuditSettings(bootstrapServers: kafka.bootstrapServers)
        settings.topics = kafka.topics
        // The mock cluster cannot look offsets up by time, and its topics hold only this run.
        settings.fromBeginning = broker != nil
        return settings
    }
}
