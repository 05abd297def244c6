import ClickSwarmTestSupport
import ClickstreamSDK
import ClickstreamTransports
import Collector
import NIOCore
import NIOEmbedded
import NIOPosix
import RaccoonWire
import Testing

extension TransportProbe {
    static func rest(port: Int) async throws -> TransportProbe {
        try await make { loop in
            RESTTransport(host: "127.0.0.1", port: port, eventLoop: loop, connector: BootstrapConnector())
        }
    }
}

@Suite("REST transport over loopback")
struct RESTTransportTests {
    @Test("connect, then a POSTed batch is answered OK with its req_guid")
    func sendAndAck() async throws {
        try await withCollector { server in
            let probe = try await TransportProbe.rest(port: server.port)
            try await probe.connect(headers: [("X-User-ID", "rest-device")])
            #expect(try await probe.next() == .connected)
            #expect(try await probe.send(TransportFixtures.request("rest-1")))
            let response = try await probe.nextResponse()
            #expect(response.status == .success)
            #expect(response.code == .ok)
            #expect(response.data["req_guid"] == "rest-1")
            let stats = try await server.stats()
            #expect(stats.batches.rest == 1)
            #expect(stats.events.received == 2)
            try await probe.close(code: 1000, reason: "done")
        }
    }

    @Test("pipelined requests on one connection are answered in order")
    func pipelined() async throws {
        try await withCollector { server in
            let probe = try await TransportProbe.rest(port: server.port)
            try await probe.connect(headers: [("X-User-ID", "rest-device")])
            #expect(try await probe.next() == .connected)
            for guid in ["p-1", "p-2", "p-3"] {
                #expect(try await probe.send(TransportFixtures.request(guid)))
            }
            var answered: [String] = []
            for _ in 0..<3 { answered.append(try await probe.nextResponse().data["req_guid"] ?? "") }
            #expect(answered == ["p-1", "p-2", "p-3"])
            #expect(try await server.stats().batches.rest == 3)
            try await probe.close(code: 1000, reason: "done")
        }
    }

    @Test("a body the collector cannot decode: HTTP 400 with CODE_BAD_REQUEST is received; the connection lives")
    func badRequest() async throws {
        try await withCollector { server in
            let probe = try await TransportProbe.rest(port: server.port)
            try await probe.connect(headers: [("X-User-ID", "rest-device")])
            #expect(try await probe.next() == .connected)
            #expect(try await probe.send([0x0A, 0xFF, 0x01]))
            let bad = try await probe.nextResponse()
            #expect(bad.status == .error)
            #expect(bad.code == .badRequest)
            #expect(bad.reason.hasPrefix("cannot deserialize request"))
            #expect(try await probe.send(TransportFixtures.request("after-bad")))
            #expect(try await probe.nextResponse().data["req_guid"] == "after-bad")
            try await probe.close(code: 1000, reason: "done")
        }
    }

    @Test("a closed port is connectFailed(.refused)")
    func refused() async throws {
        let port = try await TransportFixtures.closedPort()
        let probe = try await TransportProbe.rest(port: port)
        try await probe.connect(headers: [("X-User-ID", "nobody-home")])
        let event = try await probe.next()
        #expect(TransportFixtures.isRefused(event), "got \(event)")
    }

    @Test("the collector going away is closed(code: nil) once; close() reports nothing")
    func collectorGone() async throws {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.threads = 1
        let server = try await CollectorServer.start(configuration: configuration)
        let probe = try await TransportProbe.rest(port: server.port)
        try await probe.connect(headers: [("X-User-ID", "rest-device")])
        #expect(try await probe.next() == .connected)
        try await server.shutdown()
        let event = try await probe.next()
        guard case .closed(nil, _) = event else {
            Issue.record("expected closed(code: nil), got \(event)")
            return
        }
        #expect(try await probe.noEvent(within: .milliseconds(200)))
        #expect(try await probe.send(TransportFixtures.request("late")) == false)
    }
}

@Suite("REST transport on an embedded channel")
struct RESTTransportEmbeddedTests {
    @Test("send writes one POST with the content type and identity headers; any status's body is received")
    func requestAndAnswers() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        defer { _ = try? channel.finish() }
        let transport = RESTTransport(
            host: "collector.test", port: 8080, eventLoop: loop, connector: TransportEmbeddedConnector(channel: channel)
        )
        var events: [TransportEvent] = []
        transport.connect(headers: [("X-User-ID", "device-9")]) { events.append($0) }
        #expect(events == [.connected])
        #expect(transport.send(ByteBuffer(string: "batch")))
        var written = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) { written.writeBuffer(&part) }
        let request = String(buffer: written)
        #expect(request.hasPrefix("POST /api/v1/events HTTP/1.1\r\n"))
        #expect(request.contains("\r\nHost: collector.test:8080\r\n"))
        #expect(request.contains("\r\nContent-Type: application/proto\r\n"))
        #expect(request.contains("\r\nX-User-ID: device-9\r\n"))
        #expect(request.contains("\r\nContent-Length: 5\r\n"))
        #expect(request.hasSuffix("\r\n\r\nbatch"))

        try channel.writeInbound(
            ByteBuffer(string: "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 3\r\n\r\nabc"))
        #expect(events == [.connected, .received(ByteBuffer(string: "abc"))])
        channel.pipeline.fireChannelInactive()
        #expect(events.count == 3)
        #expect(events.last == .closed(code: nil, reason: ConnectionEnding.closedByCollector))
        #expect(transport.send(ByteBuffer(string: "late")) == false)
    }
}
