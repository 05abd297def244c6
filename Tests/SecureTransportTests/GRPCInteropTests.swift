import ClickSwarmTestSupport
import ClickstreamSDK
import ClickstreamTransports
import Collector
import Foundation
import NIOCore
import RaccoonWire
import Testing

/// gRPC against an independent implementation, Python's grpcio with classes compiled from the
/// project's raccoon.proto, in both directions: a Python client against the embedded
/// collector's gRPC port, and ClickSwarm's gRPC transport against a Python server.
@Suite("gRPC interop with Python grpcio", .serialized)
struct GRPCInteropTests {
    static func collector(tls: CollectorTLS? = nil) async throws -> CollectorServer {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.grpcPort = 0
        configuration.threads = 1
        configuration.tls = tls
        return try await CollectorServer.start(configuration: configuration)
    }

    @Test("a Python client's SendEvent is acked as Raccoon acks it, and delivered")
    func pythonClientAcked() async throws {
        let server = try await Self.collector()
        let answer = try await PythonGRPCPeer.client(["127.0.0.1:\(try #require(server.grpcPort))"])
        #expect(answer["grpc_code"] as? String == "OK", "\(answer)")
        #expect(answer["status"] as? Int == 1)
        #expect(answer["code"] as? Int == 1)
        #expect((answer["data"] as? [String: String])?["req_guid"] == "py-1")
        let stats = try await server.stats()
        #expect(stats.batches.grpc == 1)
        #expect(stats.events.delivered == 1)
        try await server.shutdown()
    }

    @Test("a Python client without the identity gets UNKNOWN \"connection id header missing\"")
    func pythonClientWithoutIdentity() async throws {
        let server = try await Self.collector()
        let answer = try await PythonGRPCPeer.client(["127.0.0.1:\(try #require(server.grpcPort))", "--no-identity"])
        #expect(answer["grpc_code"] as? String == "UNKNOWN", "\(answer)")
        #expect(answer["details"] as? String == "connection id header missing")
        #expect(try await server.stats().events.delivered == 0)
        try await server.shutdown()
    }

    @Test("a Python client over TLS (grpcs) trusts the collector's self-signed certificate")
    func pythonClientOverTLS() async throws {
        let identity = try CollectorTLS.selfSigned()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cs-grpcs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let caFile = directory.appendingPathComponent("collector.pem").path
        try identity.certificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
        let server = try await Self.collector(tls: identity)
        let answer = try await PythonGRPCPeer.client(["localhost:\(try #require(server.grpcPort))", "--ca", caFile])
        #expect(answer["grpc_code"] as? String == "OK", "\(answer)")
        try await server.shutdown()
    }

    static func transport(port: Int) -> @Sendable (any EventLoop) -> any SDKTransport {
        { loop in
            GRPCTransport(
                host: "127.0.0.1", port: port, eventLoop: loop, connector: BootstrapConnector(),
                connectTimeout: .seconds(5))
        }
    }

    static func answer(_ outcome: TransportProbe.Outcome) throws -> SendEventResponse {
        try SendEventResponse(serializedBytes: Array(try #require(outcome.received.first).readableBytesView))
    }

    @Test("ClickSwarm's transport against a Python server: the identity and headers in the metadata, the ack read")
    func transportToPythonServer() async throws {
        let peer = try await PythonGRPCPeer()
        defer { peer.stop() }
        let outcome = try await TransportProbe.run(
            headers: [("X-User-ID", "swift-7"), ("Authorization", "Bearer t0ken-7")],
            requests: [try TLSRefusalTests.batch("g-ok")], answers: 1, Self.transport(port: peer.port))
        #expect(outcome.first == .connected, "\(outcome)")
        #expect(outcome.closed == nil, "\(String(describing: outcome.closed))")
        let answer = try Self.answer(outcome)
        #expect(answer.status == .success && answer.code == .ok)
        #expect(answer.data["req_guid"] == "g-ok")
        let call = try await peer.nextCall()
        let metadata = try #require(call["metadata"] as? [String: String])
        #expect(metadata["x-user-id"] == "swift-7")
        #expect(metadata["authorization"] == "Bearer t0ken-7")
        #expect(call["req_guid"] as? String == "g-ok")
        #expect(call["events"] as? Int == 1)
    }

    @Test("failed statuses reach the SDK as error answers with the req_guid; UNAVAILABLE ends the connection")
    func statusMapping() async throws {
        let peer = try await PythonGRPCPeer()
        defer { peer.stop() }
        let missing = try await TransportProbe.run(
            headers: [], requests: [try TLSRefusalTests.batch("g-anon")], answers: 1, Self.transport(port: peer.port))
        let missingAnswer = try Self.answer(missing)
        #expect(missingAnswer.status == .error)
        #expect(missingAnswer.code == .internalError)
        #expect(missingAnswer.reason == "grpc UNKNOWN: connection id header missing")
        #expect(missingAnswer.data["req_guid"] == "g-anon")

        let invalid = try await TransportProbe.run(
            requests: [try TLSRefusalTests.batch("invalid-1")], answers: 1, Self.transport(port: peer.port))
        let invalidAnswer = try Self.answer(invalid)
        #expect(invalidAnswer.code == .badRequest)
        #expect(invalidAnswer.data["req_guid"] == "invalid-1")

        let unavailable = try await TransportProbe.run(
            requests: [try TLSRefusalTests.batch("unavailable-1")], answers: 1, Self.transport(port: peer.port))
        #expect(unavailable.received.isEmpty)
        #expect(unavailable.closed == .closed(code: nil, reason: "grpc UNAVAILABLE: no healthy upstream"))
    }

    @Test("a server that is not HTTP/2 fails the connect as a bad answer, not at the timeout")
    func notHTTP2() async throws {
        let server = try await RecordingHTTPServer { _, _ in .status(400) }
        defer { Task { await server.shutdown() } }
        let outcome = try await TransportProbe.run(Self.transport(port: server.port))
        guard case .connectFailed(let failure) = outcome.first else {
            Issue.record("expected a failed connect, got \(outcome.first)")
            return
        }
        #expect(failure.word == "bad answer", "\(failure)")
    }
}
