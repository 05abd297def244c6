import Foundation
import SwarmKafka
import Testing

/// Interoperability with an independent Kafka client: Python's `confluent-kafka` (its own
/// bindings over its own bundled librdkafka), driven by `scripts/interop/kafka_interop.py`,
/// against a mock cluster over loopback. Python reads what SwarmKafka's producer wrote, and
/// SwarmKafka's consumer reads what Python wrote; both compare every field of every message.
///
/// Needs `python3` with `confluent-kafka` (`scripts/setup.sh --tests` installs it, or
/// `pip install confluent-kafka`). Without it these tests fail; they do not skip.
@Suite("Interop with Python confluent-kafka")
struct PythonKafkaInteropTests {
    /// One message as the script writes it: bytes in hexadecimal, headers as [name, hex or null].
    struct Record: Codable, Hashable, CustomStringConvertible {
        var topic: String
        var partition: Int32
        var offset: Int64
        var key: String?
        var value: String?
        var headers: [[String?]]
        var timestamp: Int64?

        var description: String {
            "\(topic)/\(partition)/\(offset) key \(key ?? "null") value \(value?.prefix(16) ?? "null") "
                + "headers \(headers) timestamp \(timestamp.map(String.init) ?? "null")"
        }
    }

    struct RecordFile: Decodable {
        var format: Int
        var client: String
        var messages: [Record]
    }

    @Test("Python's confluent-kafka reads what KafkaProducer wrote, field for field")
    func pythonReadsSwiftMessages() throws {
        let cluster = try KafkaMockCluster(brokers: 2)
        defer { cluster.close() }
        let topics = ["interop-swift-a", "interop-swift-b"]
        try cluster.createTopic(topics[0], partitions: 3)
        try cluster.createTopic(topics[1], partitions: 1)
        let producer = try KafkaTest.producer(cluster.bootstrapServers)
        defer { producer.close() }

        let log = DeliveryLog()
        var sent: [String: Record] = [:]
        for index in 0..<40 {
            let key: [UInt8]? = index == 5 ? nil : KafkaTest.bytes("swift-\(index)-ключ")
            let value: [UInt8] = index == 3 ? [] : (0...255).map { UInt8($0) } + [UInt8(index)]
            let headers = [
                KafkaHeader(name: "guid", string: "swift-guid-\(index)"), KafkaHeader(name: "null", value: nil),
                KafkaHeader(name: "empty", value: []), KafkaHeader(name: "guid", value: [0, 255]),
            ]
            let milliseconds = Int64(1_700_000_000_000 + index)
            let timestamp = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            try producer.produce(
                topic: topics[index % 2], key: key, value: value, headers: headers, timestamp: timestamp,
                onDelivery: log.callback("\(index)"))
            sent["\(index)"] = Record(
                topic: topics[index % 2], partition: -1, offset: -1, key: key.map(Self.hex), value: Self.hex(value),
                headers: headers.map { [$0.name, $0.value.map(Self.hex)] }, timestamp: milliseconds)
        }
        try producer.flush(timeout: .seconds(30))
        var expected: Set<Record> = []
        for (id, var record) in sent {
            let report = try #require(log.result(id)?.report, "message \(id): \(String(describing: log.result(id)))")
            record.partition = report.partition
            record.offset = report.offset
            expected.insert(record)
        }

        let work = try WorkDirectory()
        defer { work.remove() }
        let result = try work.run(["consume", cluster.bootstrapServers, work.output.path, "40"] + topics)
        try #require(result.status == 0, "\(result.failureDescription)")
        let read = try work.records()
        #expect(read.messages.count == 40)
        #expect(Self.difference(Set(read.messages), expected) == nil)
    }

    @Test("KafkaConsumer reads what Python's confluent-kafka wrote, field for field")
    func swiftReadsPythonMessages() throws {
        let cluster = try KafkaMockCluster(brokers: 2)
        defer { cluster.close() }
        let topics = ["interop-py-a", "interop-py-b"]
        try cluster.createTopic(topics[0], partitions: 2)
        try cluster.createTopic(topics[1], partitions: 1)

        let work = try WorkDirectory()
        defer { work.remove() }
        let result = try work.run(["produce", cluster.bootstrapServers, work.output.path] + topics)
        try #require(result.status == 0, "\(result.failureDescription)")
        let written = try work.records()
        #expect(written.messages.count == 40)

        let consumer = try KafkaTest.consumer(cluster.bootstrapServers)
        defer { consumer.close() }
        let (messages, summary) = try consumer.readAll(topics: topics, timeout: .seconds(30))
        #expect(summary.isCaughtUp, "\(summary)")
        let read = Set(
            messages.map { message in
                Record(
                    topic: message.topic, partition: message.partition, offset: message.offset,
                    key: message.key.map(Self.hex), value: Self.hex(message.value),
                    headers: message.headers.map { [$0.name, $0.value.map(Self.hex)] },
                    timestamp: message.timestamp?.milliseconds)
            })
        #expect(messages.count == 40)
        #expect(Self.difference(read, Set(written.messages)) == nil)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    /// nil when the sets are equal, else the first few records missing and unexpected.
    static func difference(_ got: Set<Record>, _ expected: Set<Record>) -> String? {
        guard got != expected else { return nil }
        let missing = expected.subtracting(got).sorted { $0.description < $1.description }
        let unexpected = got.subtracting(expected).sorted { $0.description < $1.description }
        return "\(missing.count) missing, e.g. \(missing.prefix(2)); \(unexpected.count) unexpected, e.g. "
            + "\(unexpected.prefix(2))"
    }
}

// MARK: - Running kafka_interop.py

extension PythonKafkaInteropTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // SwarmKafkaTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
        .appendingPathComponent("scripts/interop/kafka_interop.py")

    struct ScriptResult {
        var command: String
        var status: Int32
        var stdout: String
        var stderr: String

        var failureDescription: String {
            var text = "`\(command)` exited with status \(status)"
            switch status {
            case 127: text += " (python3 is not on PATH; install Python 3)"
            case 2:
                text += " (confluent-kafka is missing: run scripts/setup.sh --tests, or pip install confluent-kafka)"
            default: break
            }
            return text + "\n--- stderr ---\n\(stderr)--- stdout ---\n\(stdout)"
        }
    }

    /// A temporary directory for the script's JSON file and its output.
    struct WorkDirectory {
        let root: URL
        var output: URL { root.appendingPathComponent("messages.json") }

        init() throws {
            root = FileManager.default.temporaryDirectory
                .appendingPathComponent("clickswarm-kafka-interop-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        }

        func remove() { try? FileManager.default.removeItem(at: root) }

        func records() throws -> RecordFile {
            let file = try JSONDecoder().decode(RecordFile.self, from: Data(contentsOf: output))
            #expect(file.format == 1)
            #expect(file.client.hasPrefix("confluent-kafka "), "\(file.client)")
            return file
        }

        func run(_ arguments: [String]) throws -> ScriptResult {
            let stdoutURL = root.appendingPathComponent("stdout.txt")
            let stderrURL = root.appendingPathComponent("stderr.txt")
            _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            let stdout = try FileHandle(forWritingTo: stdoutURL)
            let stderr = try FileHandle(forWritingTo: stderrURL)
            defer {
                try? stdout.close()
                try? stderr.close()
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", PythonKafkaInteropTests.script.path] + arguments
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = stdout
            process.standardError = stderr
            try process.run()
            process.waitUntilExit()
            return ScriptResult(
                command: "python3 scripts/interop/kafka_interop.py \(arguments.joined(separator: " "))",
                status: process.terminationStatus,
                stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "",
                stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "")
        }
    }
}
