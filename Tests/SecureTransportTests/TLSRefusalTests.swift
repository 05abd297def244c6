import ClickSwarmTestSupport
import ClickstreamSDK
import ClickstreamTransports
import Collector
import Foundation
import NIOCore
import RaccoonWire
import Testing

/// Each SDK transport over TLS on loopback against the collector serving certificates the test
/// made: accepted when the chain, validity and host name hold; otherwise refused with the reason
/// in words, never a library's dump.
@Suite("TLS refusals", .serialized)
struct TLSRefusalTests {
    enum Kind: String, CaseIterable, Sendable {
        case websocket, rest, grpc
    }

    /// A collector on 127.0.0.1 with `pair` as its identity (and `clientCA` to require client
    /// certificates), plain HTTP and gRPC ports both TLS.
    static func collector(
        _ pair: TestCertificates.Pair, clientCA: String? = nil
    ) async throws -> CollectorServer {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.grpcPort = 0
        configuration.threads = 1
        configuration.tls = try CollectorTLS.files(certificate: pair.certificate, key: pair.key, clientCA: clientCA)
        return try await CollectorServer.start(configuration: configuration)
    }

    static func probe(
        _ kind: Kind, server: CollectorServer, settings: TLSClientSettings, host: String = "127.0.0.1",
        requests: [ByteBuffer] = [], answers: Int = 0
    ) async throws -> TransportProbe.Outcome {
        let context = try TLSClientContext(
            settings: settings, applicationProtocols: kind == .grpc ? ["h2"] : ["http/1.1"])
        let port = kind == .grpc ? server.grpcPort ?? 0 : server.port
        return try await TransportProbe.run(requests: requests, answers: answers) { loop in
            let connector = TLSChannelConnector(inner: BootstrapConnector(), context: context)
            switch kind {
            case .websocket:
                return WebSocketTransport(
                    host: host, port: port, eventLoop: loop, connector: connector, connectTimeout: .seconds(5))
            case .rest:
                return RESTTransport(
                    host: host, port: port, eventLoop: loop, connector: connector, connectTimeout: .seconds(5))
            case .grpc:
                return GRPCTransport(
                    host: host, port: port, eventLoop: loop, connector: connector, connectTimeout: .seconds(5))
            }
        }
    }

    static func word(_ outcome: TransportProbe.Outcome) -> String {
        switch outcome.first {
        case .connected: return "connected"
        case .connectFailed(let failure): return failure.word
        default: return "\(outcome.first)"
        }
    }

    static func batch(_ guid: String) throws -> ByteBuffer {
        var request = SendEventRequest()
        request.reqGuid = guid
        var event = RaccoonEvent()
        event.type = "click"
        event.eventBytes = Data([0x0a, 0x01, 0x31])
        request.events = [event]
        return ByteBuffer(bytes: try request.serializedBytes() as [UInt8])
    }

    @Test(
        "a certificate from the trusted CA is accepted, and a batch is acked over wss, https and grpcs",
        arguments: Kind.allCases)
    func trustedCertificateDelivers(kind: Kind) async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let server = try await Self.collector(certificates.server)
        let outcome = try await Self.probe(
            kind, server: server, settings: TLSClientSettings(caFile: certificates.caFile),
            requests: [try Self.batch("tls-\(kind)")], answers: 1)
        #expect(Self.word(outcome) == "connected")
        let answer = try SendEventResponse(
            serializedBytes: Array(try #require(outcome.received.first).readableBytesView))
        #expect(answer.status == .success)
        #expect(answer.data["req_guid"] == "tls-\(kind)")
        let stats = try await server.stats()
        #expect(stats.events.delivered == 1)
        try await server.shutdown()
    }

    @Test("a chain to a CA the device does not trust: tls: unknown CA", arguments: Kind.allCases)
    func unknownCA(kind: Kind) async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let server = try await Self.collector(certificates.server)
        let outcome = try await Self.probe(
            kind, server: server, settings: TLSClientSettings(caFile: certificates.otherCAFile))
        #expect(Self.word(outcome) == "tls: unknown CA")
        if case .connectFailed(let failure) = outcome.first {
            #expect(failure.detail?.contains("ClickSwarm Test CA") == true, "\(failure)")
        }
        try await server.shutdown()
    }

    @Test("an expired certificate: tls: certificate expired", arguments: Kind.allCases)
    func expired(kind: Kind) async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let server = try await Self.collector(certificates.expired)
        let outcome = try await Self.probe(
            kind, server: server, settings: TLSClientSettings(caFile: certificates.caFile))
        #expect(Self.word(outcome) == "tls: certificate expired")
        try await server.shutdown()
    }

    @Test("a certificate for another host: tls: wrong host name; --insecure connects anyway", arguments: Kind.allCases)
    func wrongHost(kind: Kind) async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let server = try await Self.collector(certificates.wrongHost)
        let refused = try await Self.probe(
            kind, server: server, settings: TLSClientSettings(caFile: certificates.caFile))
        #expect(Self.word(refused) == "tls: wrong host name")
        if case .connectFailed(let failure) = refused.first {
            #expect(failure.detail?.contains("127.0.0.1") == true, "\(failure)")
        }
        let insecure = try await Self.probe(kind, server: server, settings: TLSClientSettings(insecure: true))
        #expect(Self.word(insecure) == "connected")
        try await server.shutdown()
    }

    @Test("the host name is checked by name too: localhost matches, SNI is sent")
    func hostNameByName() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let server = try await Self.collector(certificates.server)
        let outcome = try await Self.probe(
            .websocket, server: server, settings: TLSClientSettings(caFile: certificates.caFile), host: "localhost")
        #expect(Self.word(outcome) == "connected")
        try await server.shutdown()
    }

    @Test("a TLS device against a plain collector: tls: handshake failed", arguments: Kind.allCases)
    func plainPeer(kind: Kind) async throws {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.grpcPort = 0
        configuration.threads = 1
        let server = try await CollectorServer.start(configuration: configuration)
        let outcome = try await Self.probe(kind, server: server, settings: TLSClientSettings(insecure: true))
        #expect(Self.word(outcome) == "tls: handshake failed")
        try await server.shutdown()
    }

    @Test(
        "mutual TLS: without a client certificate the collector refuses; with one it accepts", arguments: Kind.allCases)
    func mutualTLS(kind: Kind) async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let server = try await Self.collector(certificates.server, clientCA: certificates.caFile)
        let anonymous = try await Self.probe(
            kind, server: server, settings: TLSClientSettings(caFile: certificates.caFile),
            requests: [try Self.batch("anonymous")], answers: 1)
        #expect(anonymous.received.isEmpty)
        let identified = try await Self.probe(
            kind, server: server,
            settings: TLSClientSettings(
                caFile: certificates.caFile, clientCertificateFile: certificates.client.certificate,
                clientKeyFile: certificates.client.key),
            requests: [try Self.batch("identified")], answers: 1)
        #expect(Self.word(identified) == "connected")
        #expect(identified.received.count == 1)
        try await server.shutdown()
    }

    @Test("bad TLS settings name the file and what is wrong")
    func setupErrors() throws {
        #expect(throws: TLSSetupError.self) {
            try TLSClientContext(settings: TLSClientSettings(caFile: "/nonexistent/ca.pem"), applicationProtocols: [])
        }
        do {
            _ = try TLSClientContext(
                settings: TLSClientSettings(caFile: "/nonexistent/ca.pem"), applicationProtocols: [])
        } catch {
            #expect(error.description.contains("/nonexistent/ca.pem"))
        }
        #expect(throws: TLSSetupError.incompleteClientIdentity) {
            try TLSClientContext(
                settings: TLSClientSettings(clientCertificateFile: "/tmp/x.pem"), applicationProtocols: [])
        }
    }
}
