import ClickSwarmTestSupport
import Collector
import Foundation
import Reports
import Testing

@testable import Simulation

/// Whole live runs at small scale over TLS and gRPC on loopback: every device's SDK, the
/// conditioned links, the embedded collector (or one started with the test's certificates), and
/// the reconciliation.
@Suite("Live runs over TLS and gRPC", .serialized)
struct SecureRunTests {
    static let journeys = """
        journeys:
          - name: browse
            start: home
            screens:
              home:
                think: uniform(100ms, 300ms)
                events:
                  - contract: ScreenView
                    attributes: {screen_name: home}
                next: {home: 80%, exit: 20%}
        sdk:
          android: {batch_period: 1s, lifecycle_debounce: 0s}
          ios: {batch_period: 1s}
        """

    static func scenario(_ name: String, _ body: String) throws -> Scenario {
        try Scenario(
            yaml: """
                name: \(name)
                seed: 11
                duration: 2s
                drain: 4s
                population:
                  devices: 16
                  arrival:
                    stages: [{to: all, over: 500ms}]
                networks:
                  mix: {wifi: 100%}
                \(body)
                \(journeys)
                """, file: "\(name).yaml")
    }

    static func options() -> RunOptions {
        var options = RunOptions()
        options.outputDirectory =
            FileManager.default.temporaryDirectory.appendingPathComponent("clickswarm-\(UUID().uuidString)").path
        return options
    }

    static func run(_ scenario: Scenario) async throws -> RunReport {
        let options = options()
        defer { try? FileManager.default.removeItem(atPath: options.outputDirectory) }
        return try await RunDriver.run(scenario, options: options).report
    }

    @Test(
        "an embedded collector with collector.tls: wss, https and grpcs deliver everything and balance",
        arguments: ["websocket", "rest", "grpc"])
    func embeddedTLSBalances(transport: String) async throws {
        let report = try await Self.run(
            try Self.scenario("tls-\(transport)", "collector: {tls: true, transport: \(transport)}"))
        #expect(report.reconciliation.balanced, "\(report.reconciliation)")
        #expect(report.totals.generated > 10)
        #expect(report.totals.acked == report.totals.generated, "\(report.connections)")
        #expect(report.collector?.uniqueDeliveries == report.totals.acked)
        #expect(report.reconciliation.delivery.checked)
        #expect(report.connections.connected == 16)
        #expect(report.latency.connect.count == 16)
        #expect(report.run.tls == RunInfo.TLS(verified: true, selfSigned: true))
        #expect(report.verdict == .passed, "\(report.slos)")
    }

    @Test("plain gRPC to the embedded collector (collector.transport: grpc) balances")
    func embeddedGRPCBalances() async throws {
        let report = try await Self.run(try Self.scenario("grpc", "collector: {transport: grpc}"))
        #expect(report.reconciliation.balanced, "\(report.reconciliation)")
        #expect(report.totals.acked == report.totals.generated)
        #expect(report.run.tls == nil)
        #expect(report.verdict == .passed, "\(report.slos)")
    }

    @Test(
        "gRPC over TLS to an embedded collector publishing to its own Kafka broker: everything acked lands",
        arguments: ["immediate", "after-publish"])
    func embeddedGRPCPublishesToKafka(ack: String) async throws {
        let report = try await Self.run(
            try Self.scenario(
                "grpc-kafka", "collector: {tls: true, transport: grpc, ack: \(ack), kafka: local}"))
        #expect(report.reconciliation.balanced, "\(report.reconciliation)")
        #expect(report.totals.generated > 10)
        #expect(report.totals.acked == report.totals.generated, "\(report.connections)")
        let collector = try #require(report.collector)
        let kafka = try #require(collector.kafka)
        #expect(kafka.ackMode == ack)
        #expect(kafka.failed.isEmpty)
        #expect(kafka.delivered == collector.eventsReceived)
        let audit = try #require(report.audit, "a run with collector.kafka is audited")
        #expect(audit.error == nil, "\(audit.error ?? "")")
        #expect(audit.missingAfterAck == 0)
        #expect(audit.ackedAndLanded == report.totals.acked)
        #expect(report.verdict == .passed, "\(report.slos)")
    }

    @Test("a remote wss:// target whose CA the devices do not trust: every attempt counted as tls: unknown CA")
    func remoteUnknownCACounted() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.threads = 1
        configuration.tls = try CollectorTLS.files(
            certificate: certificates.server.certificate, key: certificates.server.key)
        let server = try await CollectorServer.start(configuration: configuration)
        let url = "wss://127.0.0.1:\(server.port)/api/v1/events"
        let refused = try await Self.run(
            try Self.scenario(
                "untrusted",
                "target: {url: \"\(url)\", ca_file: \"\(certificates.otherCAFile)\"}\nslos: {require_delivery: false}"))
        #expect(refused.connections.connected == 0)
        #expect(refused.connections.failedByReason.keys.sorted() == ["tls: unknown CA"], "\(refused.connections)")
        #expect(refused.reconciliation.balanced)
        let trusted = try await Self.run(
            try Self.scenario("trusted", "target: {url: \"\(url)\", ca_file: \"\(certificates.caFile)\"}"))
        #expect(trusted.connections.connected == 16)
        #expect(trusted.totals.acked == trusted.totals.generated)
        #expect(trusted.run.tls == RunInfo.TLS(verified: true, caFile: certificates.caFile))
        try await server.shutdown()
    }

    @Test("population.headers reach a gRPC collector's metadata, expanded per device; ${ENV} from the overrides")
    func headersReachGRPCMetadata() async throws {
        let peer = try await PythonGRPCPeer()
        defer { peer.stop() }
        var scenario = try Self.scenario(
            "grpc-headers",
            """
            target: grpc://127.0.0.1:\(peer.port)
            slos: {require_delivery: false}
            """)
        scenario.population.devices = 2
        scenario.population.headers = [
            HeaderTemplate(name: "Authorization", value: "Bearer ${CS_GRPC_TOKEN}"),
            HeaderTemplate(name: "X-Device", value: "d-{device}"),
        ]
        var overrides = ScenarioOverrides()
        overrides.environment = ["CS_GRPC_TOKEN": "grpc-secret"]
        let report = try await Self.run(try scenario.applying(overrides))
        #expect(report.totals.acked == report.totals.generated, "\(report.connections)")
        let call = try await peer.nextCall()
        let metadata = try #require(call["metadata"] as? [String: String])
        #expect(metadata["authorization"] == "Bearer grpc-secret")
        let user = try #require(metadata["x-user-id"])
        #expect(metadata["x-device"] == "d-" + user.replacingOccurrences(of: "clickswarm-", with: ""))
    }
}
