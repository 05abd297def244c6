import Collector
import Foundation
import Reports
import SwarmKafka
import SwarmPrimitives
import Testing

@testable import Simulation

/// Whole live runs whose embedded collector publishes to Kafka (the run's own mock broker, or one
/// the test started), audited after the drain: the broker outage in both ack modes, and an
/// independent consumer (Python confluent-kafka) reading what the collector wrote.
@Suite("Runs publishing to Kafka", .serialized)
struct KafkaPublishingRunTests {
    /// A broker outage from 1 s to 8 s with a 1 s message timeout, as scenarios/broker-outage.yaml
    /// at test scale. With the full suite running, the devices of a run used to start up to 50 s
    /// late (their set-up waited behind hundreds of tests on Swift concurrency's pool) and the
    /// outage came and went before any event was sent; they now start on their loops before time
    /// zero, and the outage's timers are not on the pool either.
    static func outage(ack: String, drain: String = "6s") throws -> Scenario {
        try LiveRunTests.scenario(
            """
            name: broker-outage-test
            seed: 38
            duration: 10s
            drain: \(drain)
            collector:
              ack: \(ack)
              kafka: {brokers: local, message_timeout: 1s}
            faults:
              - {from: 1s, to: 8s, broker_down: true}
            population:
              devices: 20
              arrival:
                stages: [{to: all, over: 0s}]
            """)
    }

    @Test("broker outage, immediate acks: the audit finds exactly the acked events the collector lost")
    func outageImmediate() async throws {
        let options = LiveRunTests.options()
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let report = try await RunDriver.run(try Self.outage(ack: "immediate"), options: options).report
        let audit = try #require(report.audit, "a run with collector.kafka is audited")
        let collector = try #require(report.collector)
        #expect(audit.error == nil, "\(audit.error ?? "")")
        #expect(audit.caughtUp)
        #expect(
            collector.lostAfterAck > 0,
            "the outage must lose acked events: \(String(describing: collector.kafka)), totals \(report.totals)")
        #expect(audit.missingAfterAck == collector.lostAfterAck)
        #expect(audit.ackedAndLanded == collector.uniqueDeliveries)
        #expect(audit.acked == report.totals.acked)
        #expect(audit.landedNotAcked == 0)
        #expect(audit.foreign == 0)
        #expect(collector.kafka?.failed["msg_timed_out"] == collector.lostAfterAck)
        #expect(collector.kafka?.batchesPublishFailed == 0)
        // The phones were told OK: for them everything was delivered.
        #expect(report.totals.acked == report.totals.generated)
        #expect(report.reconciliation.balanced, "\(report.reconciliation)")
        let slo = try #require(report.slos.first { $0.metric == "missing_after_ack" })
        #expect(!slo.passed)
        #expect(report.verdict == .sloFailed)
    }

    /// The drain is longer: phones answered with an error back off before they resend.
    @Test("broker outage, after-publish acks: nothing acked is missing; failed batches were answered and resent")
    func outageAfterPublish() async throws {
        let options = LiveRunTests.options()
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        let report = try await RunDriver.run(
            try Self.outage(ack: "after-publish", drain: "14s"), options: options
        ).report
        let audit = try #require(report.audit)
        let collector = try #require(report.collector)
        let kafka = try #require(collector.kafka)
        #expect(audit.error == nil, "\(audit.error ?? "")")
        #expect(kafka.batchesPublishFailed > 0, "the outage must fail some publishes")
        #expect((kafka.failed["msg_timed_out"] ?? 0) > 0)
        #expect(collector.lostAfterAck == 0)
        #expect(audit.missingAfterAck == 0)
        #expect(audit.ackedAndLanded == report.totals.acked)
        #expect(report.totals.acked == report.totals.generated)
        #expect(report.totals.errorAnswers > 0)
        #expect(report.reconciliation.balanced, "\(report.reconciliation)")
        #expect(report.verdict == .passed, "\(report.slos)")
    }

    @Test("Python's confluent-kafka reads the topics the collector wrote and counts what the audit counted")
    func independentConsumer() async throws {
        let cluster = try KafkaMockCluster()
        defer { cluster.close() }
        let scenario = try LiveRunTests.scenario(
            """
            name: kafka-interop
            seed: 9
            duration: 3s
            drain: 4s
            collector:
              kafka: "\(cluster.bootstrapServers)"
            population:
              devices: 12
              arrival:
                stages: [{to: all, over: 0s}]
            """)
        var options = LiveRunTests.options()
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        var settings = KafkaAuditSettings(bootstrapServers: cluster.bootstrapServers)
        settings.fromBeginning = true  // the mock cluster cannot look offsets up by time
        options.audit = settings
        let report = try await RunDriver.run(scenario, options: options).report
        let audit = try #require(report.audit)
        #expect(audit.error == nil, "\(audit.error ?? "")")
        #expect(audit.missingAfterAck == 0)
        #expect(audit.messagesRead > 50)

        let counts = try await PythonConsumer.countsByTopic(
            bootstrap: cluster.bootstrapServers, topics: audit.topics, expected: Int(audit.messagesRead))
        var auditCounts: [String: UInt64] = [:]
        for row in audit.byEventType.values {
            auditCounts[row.topic] = row.ackedAndLanded + row.landedNotAcked + row.duplicates
        }
        #expect(counts == auditCounts.filter { $0.value > 0 })
    }
}

/// `scripts/interop/kafka_interop.py consume`: every message of some topics, read by Python's
/// confluent-kafka (needs it installed: `scripts/setup.sh --tests`; without it this fails).
enum PythonConsumer {
    struct Record: Decodable {
        var topic: String
    }

    struct RecordFile: Decodable {
        var messages: [Record]
    }

    /// Runs the script on a thread of its own: waiting for a process must not hold one of Swift
    /// concurrency's few threads, which the live runs of other tests need.
    static func countsByTopic(bootstrap: String, topics: [String], expected: Int) async throws -> [String: UInt64] {
        try await BlockingThread.run("kafka_interop") {
            try countsByTopicNow(bootstrap: bootstrap, topics: topics, expected: expected)
        }
    }

    private static func countsByTopicNow(bootstrap: String, topics: [String], expected: Int) throws -> [String: UInt64]
    {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/interop/kafka_interop.py")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "consume", bootstrap, output.path, String(expected)] + topics
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(
            process.terminationStatus == 0,
            "kafka_interop.py exited \(process.terminationStatus): \(String(decoding: stderr, as: UTF8.self))")
        let file = try JSONDecoder().decode(RecordFile.self, from: Data(contentsOf: output))
        var counts: [String: UInt64] = [:]
        for record in file.messages { counts[record.topic, default: 0] += 1 }
        return counts
    }
}
