import ClickSwarmTestSupport
import Foundation
import NIOCore
import NIOPosix
import Reports
import SwarmKafka
import Testing

/// `clickswarm broker`, `clickswarm collector --kafka` and an audited run, as a user runs them.
@Suite("Kafka from the command line")
struct KafkaCommandTests {
    /// Waits for a file a command writes once it is ready.
    static func contents(of path: String) async throws -> String {
        for _ in 0..<500 {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), text.hasSuffix("\n") {
                return text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        struct NotWritten: Error, CustomStringConvertible {
            var path: String
            var description: String { "\(path) was never written" }
        }
        throw NotWritten(path: path)
    }

    /// A loopback port nobody listens on right now.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()
        return port
    }

    @Test("broker --port: clients bootstrap at the port asked for; messages round-trip; SIGINT stops it with 0")
    func brokerOnAPort() async throws {
        let port = try await Self.freePort()
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("broker-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let (process, out, err) = try Binary.start(["broker", "--port", "\(port)", "--port-file", portFile])
        let bootstrap = try await Self.contents(of: portFile)
        #expect(bootstrap == "127.0.0.1:\(port)")

        var configuration = KafkaProducerConfiguration(bootstrapServers: bootstrap)
        configuration.messageTimeout = .seconds(10)
        let producer = try KafkaProducer(configuration: configuration)
        _ = try await producer.send(topic: "cli-broker", value: Array("hello".utf8))
        await producer.close()
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(bootstrapServers: bootstrap))
        let read = try await consumer.readAll(topics: ["cli-broker"], timeout: .seconds(10)).messages
        consumer.close()
        #expect(read.map(\.value) == [Array("hello".utf8)])

        process.interrupt()
        let result = Binary.finish(process, out, err)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("Kafka test broker listening at 127.0.0.1:\(port)"))
        #expect(result.stdout.contains("not for production"))
    }

    @Test("collector --kafka local: publishes to a broker of its own and counts it in the final stats")
    func collectorWithLocalBroker() async throws {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("port-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let (process, out, err) = try Binary.start([
            "collector", "--port", "0", "--port-file", portFile, "--kafka", "local", "--ack", "after-publish",
        ])
        let port = try #require(Int(try await Self.contents(of: portFile)))
        let batch = try await HTTPTestClient.request(
            .POST, "/api/v1/events", port: port, headers: [("Content-Type", "application/json")],
            body: Array(#"{"req_guid":"k","events":[{"event_bytes":"aGk=","type":"click"}]}"#.utf8))
        #expect(batch.status == .ok)
        let stats = try await HTTPTestClient.request(.GET, "/stats", port: port)
        let figures = try JSONSerialization.jsonObject(with: Data(stats.body)) as? [String: Any]
        let kafka = try #require(figures?["kafka"] as? [String: Any], "\(stats.text)")
        #expect(kafka["delivered"] as? Int == 1)
        #expect(kafka["topic_pattern"] as? String == "clickstream-%s-log")
        process.interrupt()
        let result = Binary.finish(process, out, err)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("publishing every delivered event to Kafka at 127.0.0.1:"))
        #expect(result.stdout.contains("a local test broker"))
    }

    @Test(
        "Kafka flags that cannot work exit 64 and say why",
        arguments: [
            (["collector", "--kafka-topic-pattern", "x-%s"], "need --kafka BOOTSTRAP"),
            (["collector", "--kafka", "nohost"], "are not host:port"),
            (["collector", "--kafka", "local", "--kafka-topic-pattern", "bad topic %s"], "characters Kafka refuses"),
            (["collector", "--kafka", "local", "--kafka-property", "=x"], "is not name=value"),
            (
                ["collector", "--kafka", "local", "--publish-delay", "5ms"],
                "with Kafka the real publish takes its own time"
            ),
            (["broker", "--port", "70000"], "--port 70000 is outside 1-65535"),
            (["run", "scenarios/smoke.yaml", "--collector-ack", "later"], "--collector-ack must be immediate"),
        ])
    func invalidInput(arguments: [String], message: String) throws {
        let result = try Binary.run(arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
    }

    @Test("a run that loses acked events in a broker outage (immediate acks) exits 71 and says so")
    func lossyRunExits71() throws {
        let directory = try RunCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("outage.yaml")
        let scenario = RunCommandTests.scenario.replacingOccurrences(
            of: "name: cli\nduration: 2s\ndrain: 3s\n",
            with: """
                name: cli-outage
                duration: 5s
                drain: 5s
                collector:
                  kafka: {brokers: local, message_timeout: 1s}
                faults:
                  - {from: 1s, to: 3s, broker_down: true}

                """)
        #expect(scenario.contains("broker_down"))
        try scenario.write(to: file, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("out").path
        let result = try Binary.run(["run", file.path, "--output", output])
        #expect(result.status == 71, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("SLO  FAIL  missing after ack"), "\(result.stdout)")
        #expect(result.stdout.contains("Kafka        published "))
        let reportFile = try #require(
            try FileManager.default.contentsOfDirectory(atPath: output).first { $0.hasSuffix(".json") })
        let report = try RunReport.decode(Data(contentsOf: URL(fileURLWithPath: output + "/" + reportFile)))
        #expect((report.audit?.missingAfterAck ?? 0) > 0)
        #expect(report.audit?.missingAfterAck == report.collector?.lostAfterAck)
    }
}
