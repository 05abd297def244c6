import ClickstreamSDK
import NIOCore
import NIOEmbedded
import Testing

@testable import ClickstreamTransports

#if canImport(Glibc)
    import Glibc
#endif

/// Hands out one prepared `EmbeddedChannel`: runs the transport's initializer on it, then
/// connects it (which fires `channelActive`).
struct TransportEmbeddedConnector: ChannelConnector {
    let channel: EmbeddedChannel

    func connect(
        host: String,
        port: Int,
        on eventLoop: any EventLoop,
        timeout: TimeAmount,
        initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<any Channel> {
        let channel = self.channel
        return initializer(channel).flatMap {
            channel.connect(to: try! SocketAddress(ipAddress: "127.0.0.1", port: port))
        }.map { channel as any Channel }
    }
}

/// One frame as a client wrote it, unmasked.
struct ClientFrame: Equatable {
    var fin: Bool
    var opcode: UInt8
    var masked: Bool
    var payload: [UInt8]

    /// Every frame in `buffer` (the concatenated outbound bytes).
    static func parse(_ buffer: ByteBuffer) -> [ClientFrame] {
        var buffer = buffer
        var frames: [ClientFrame] = []
        while let first = buffer.readInteger(as: UInt8.self), let second = buffer.readInteger(as: UInt8.self) {
            var length = Int(second & 0x7F)
            if length == 126 {
                length = Int(buffer.readInteger(as: UInt16.self) ?? 0)
            } else if length == 127 {
                length = Int(buffer.readInteger(as: UInt64.self) ?? 0)
            }
            let masked = second & 0x80 != 0
            let key = masked ? buffer.readBytes(length: 4) ?? [0, 0, 0, 0] : [0, 0, 0, 0]
            var payload = buffer.readBytes(length: length) ?? []
            for index in payload.indices { payload[index] ^= key[index % 4] }
            frames.append(ClientFrame(fin: first & 0x80 != 0, opcode: first & 0x0F, masked: masked, payload: payload))
        }
        return frames
    }
}

/// A frame as a server writes it: unmasked.
func serverFrame(opcode: UInt8, fin: Bool = true, _ payload: [UInt8]) -> [UInt8] {
    precondition(payload.count < 126)
    return [(fin ? 0x80 : 0) | opcode, UInt8(payload.count)] + payload
}

struct ConnectionReset: Error {}

func closePayload(_ code: UInt16, _ reason: String) -> [UInt8] {
    [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8)
}

let switchingProtocols = Array(
    ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n").utf8)

/// The transport on NIO's embedded channel and loop: no sockets, virtual time.
@Suite("WebSocket transport on an embedded channel")
struct WebSocketTransportEmbeddedTests {
    /// A transport wired to a fresh embedded channel, with the events it reported. Every test
    /// makes its own on its own thread: the embedded loop belongs to the thread that made it.
    final class Fixture {
        let loop = EmbeddedEventLoop()
        let channel: EmbeddedChannel
        let transport: WebSocketTransport
        var events: [TransportEvent] = []

        /// `timers`: where the transport arms its ping, pong and close timers (given the loop).
        init(connectTimeout: TimeAmount = .seconds(10), timers: ((EmbeddedEventLoop) -> any SDKScheduler)? = nil) {
            channel = EmbeddedChannel(loop: loop)
            transport = WebSocketTransport(
                host: "collector.test", port: 8080, eventLoop: loop,
                connector: TransportEmbeddedConnector(channel: channel),
                connectTimeout: connectTimeout, timers: timers?(loop))
        }

        func connect(
            _ headers: [(String, String)] = [("X-User-ID", "device-7")], options: ConnectOptions = ConnectOptions()
        ) {
            transport.connect(headers: headers, options: options) { [weak self] event in self?.events.append(event) }
            loop.run()
        }

        /// Connects and completes the upgrade; the handshake request is read and dropped.
        func connectAndUpgrade(options: ConnectOptions = ConnectOptions()) throws {
            connect(options: options)
            _ = try outbound()
            try channel.writeInbound(ByteBuffer(bytes: switchingProtocols))
            #expect(events == [.connected])
            events.removeAll()
        }

        /// Everything the transport wrote since the last call, as one buffer.
        func outbound() throws -> ByteBuffer {
            var all = ByteBuffer()
            while var part = try channel.readOutbound(as: ByteBuffer.self) { all.writeBuffer(&part) }
            return all
        }

        func outboundFrames() throws -> [ClientFrame] {
            ClientFrame.parse(try outbound())
        }

        func feed(_ bytes: [UInt8]) throws {
            try channel.writeInbound(ByteBuffer(bytes: bytes))
        }

        deinit {
            _ = try? channel.finish()
        }
    }

    @Test("the upgrade request carries the path, the WebSocket headers and the identity headers")
    func upgradeRequest() throws {
        let fixture = Fixture()
        fixture.connect([("X-User-ID", "device-7"), ("X-User-Group", "riders")])
        let request = String(buffer: try fixture.outbound())
        #expect(request.hasPrefix("GET /api/v1/events HTTP/1.1\r\n"))
        #expect(request.contains("\r\nHost: collector.test:8080\r\n"))
        #expect(request.contains("\r\nUpgrade: websocket\r\n"))
        #expect(request.contains("\r\nConnection: Upgrade\r\n"))
        #expect(request.contains("\r\nSec-WebSocket-Version: 13\r\n"))
        #expect(request.contains("\r\nSec-WebSocket-Key: "))
        #expect(request.contains("\r\nX-User-ID: device-7\r\n"))
        #expect(request.contains("\r\nX-User-Group: riders\r\n"))
        #expect(request.hasSuffix("\r\n\r\n"))
        #expect(fixture.events.isEmpty)
        #expect(fixture.transport.send(ByteBuffer(string: "too early")) == false)
    }

    @Test("a 101 and a binary frame in one read: connected, then received")
    func upgradeAndFrameTogether() throws {
        let fixture = Fixture()
        fixture.connect()
        _ = try fixture.outbound()
        try fixture.feed(switchingProtocols + serverFrame(opcode: 0x2, Array("answer".utf8)))
        #expect(fixture.events == [.connected, .received(ByteBuffer(string: "answer"))])
    }

    @Test("a 101 split over several reads still upgrades")
    func splitResponseHead() throws {
        let fixture = Fixture()
        fixture.connect()
        _ = try fixture.outbound()
        let bytes = switchingProtocols + serverFrame(opcode: 0x2, [1, 2, 3])
        for byte in bytes { try fixture.feed([byte]) }
        #expect(fixture.events == [.connected, .received(ByteBuffer(bytes: [1, 2, 3]))])
    }

    @Test("a server ping is answered with a masked pong carrying the same payload")
    func pingPong() throws {
        let fixture = Fixture()
        try fixture.connectAndUpgrade()
        try fixture.feed(serverFrame(opcode: 0x9, Array("--ping--".utf8)))
        #expect(
            try fixture.outboundFrames() == [
                ClientFrame(fin: true, opcode: 0xA, masked: true, payload: Array("--ping--".utf8))
            ])
        #expect(fixture.events.isEmpty)
    }

    @Test("no 101 within the connect timeout on the virtual clock: connectFailed(.timeout)")
    func upgradeTimeout() throws {
        let fixture = Fixture(connectTimeout: .seconds(10))
        fixture.connect()
        fixture.loop.advanceTime(by: .seconds(9))
        #expect(fixture.events.isEmpty)
        fixture.loop.advanceTime(by: .seconds(1))
        #expect(fixture.events == [.connectFailed(.timeout)])
        #expect(!fixture.channel.isActive)
        fixture.loop.advanceTime(by: .seconds(60))
        #expect(fixture.events.count == 1)
    }

    @Test("the connect timeout stops once upgraded")
    func noTimeoutAfterUpgrade() throws {
        let fixture = Fixture(connectTimeout: .seconds(10))
        try fixture.connectAndUpgrade()
        fixture.loop.advanceTime(by: .seconds(30))
        #expect(fixture.events.isEmpty)
        #expect(fixture.transport.isConnected)
    }

    @Test("a 401 answer is connectFailed(.httpStatus(401)) and the socket is closed")
    func unauthorized() throws {
        let fixture = Fixture()
        fixture.connect()
        try fixture.feed(Array("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n".utf8))
        #expect(fixture.events == [.connectFailed(.httpStatus(401))])
        #expect(!fixture.channel.isActive)
    }

    @Test("the peer closing before the 101 is connectFailed(.closedBeforeAnswer)")
    func droppedBeforeUpgrade() throws {
        let fixture = Fixture()
        fixture.connect()
        fixture.channel.pipeline.fireChannelInactive()
        #expect(fixture.events == [.connectFailed(.closedBeforeAnswer)])
    }

    @Test("send writes one masked binary frame")
    func sendMasked() throws {
        let fixture = Fixture()
        try fixture.connectAndUpgrade()
        #expect(fixture.transport.send(ByteBuffer(bytes: [9, 8, 7, 6, 5])))
        #expect(
            try fixture.outboundFrames() == [
                ClientFrame(fin: true, opcode: 0x2, masked: true, payload: [9, 8, 7, 6, 5])
            ])
    }

    @Test("text fragments are reassembled into one received message, across an interleaved ping")
    func fragments() throws {
        let fixture = Fixture()
        try fixture.connectAndUpgrade()
        try fixture.feed(
            serverFrame(opcode: 0x1, fin: false, [1, 2]) + serverFrame(opcode: 0x9, [])
                + serverFrame(opcode: 0x0, fin: false, [3]) + serverFrame(opcode: 0x0, [4, 5]))
        #expect(fixture.events == [.received(ByteBuffer(bytes: [1, 2, 3, 4, 5]))])
        #expect(try fixture.outboundFrames().map(\.opcode) == [0xA])
    }

    @Test("a close frame from the server is answered with its code, then closed(code:reason:) once")
    func serverClose() throws {
        let fixture = Fixture()
        try fixture.connectAndUpgrade()
        try fixture.feed(serverFrame(opcode: 0x8, closePayload(1008, "duplicated connection")))
        #expect(fixture.events == [.closed(code: 1008, reason: "duplicated connection")])
        #expect(
            try fixture.outboundFrames() == [ClientFrame(fin: true, opcode: 0x8, masked: true, payload: [0x03, 0xF0])])
        #expect(!fixture.channel.isActive)
        #expect(fixture.transport.send(ByteBuffer(string: "late")) == false)
        fixture.channel.pipeline.fireChannelInactive()
        #expect(fixture.events.count == 1)
    }

    @Test("a dropped socket is closed(code: nil) exactly once")
    func drop() throws {
        let fixture = Fixture()
        try fixture.connectAndUpgrade()
        fixture.channel.pipeline.fireErrorCaught(ConnectionReset())
        fixture.channel.pipeline.fireChannelInactive()
        #expect(fixture.events.count == 1)
        guard case .closed(nil, _) = fixture.events.first else {
            Issue.record("expected closed(code: nil), got \(fixture.events)")
            return
        }
    }

    @Test("close(1000, \"App is paused\") sends that close frame and reports nothing, then or later")
    func closeByApp() throws {
        let fixture = Fixture()
        try fixture.connectAndUpgrade()
        fixture.transport.close(code: 1000, reason: "App is paused")
        #expect(
            try fixture.outboundFrames() == [
                ClientFrame(fin: true, opcode: 0x8, masked: true, payload: closePayload(1000, "App is paused"))
            ])
        #expect(fixture.channel.isActive)  // Waiting for the collector's close frame.
        #expect(fixture.transport.send(ByteBuffer(string: "late")) == false)
        try fixture.feed(serverFrame(opcode: 0x2, [1]) + serverFrame(opcode: 0x8, closePayload(1000, "")))
        #expect(!fixture.channel.isActive)
        #expect(fixture.events.isEmpty)
    }

    @Test("after the app's close, a silent collector is cut off after the grace period")
    func closeGrace() throws {
        let fixture = Fixture()
        try fixture.connectAndUpgrade()
        fixture.transport.close(code: 1000, reason: "App is paused")
        fixture.loop.advanceTime(by: .seconds(1))
        #expect(fixture.channel.isActive)
        fixture.loop.advanceTime(by: .seconds(1))
        #expect(!fixture.channel.isActive)
        #expect(fixture.events.isEmpty)
    }

    @Test("close during the upgrade abandons the attempt silently")
    func closeWhileConnecting() throws {
        let fixture = Fixture()
        fixture.connect()
        fixture.transport.close(code: 1000, reason: "App is paused")
        #expect(!fixture.channel.isActive)
        fixture.loop.advanceTime(by: .seconds(30))
        #expect(fixture.events.isEmpty)
    }
}

@Suite("WebSocket transport: failures in words")
struct TransportFailureWordsTests {
    @Test("an answer that is not HTTP fails the attempt at once, not at the connect timeout")
    func garbageAnswerFailsAtOnce() throws {
        let fixture = WebSocketTransportEmbeddedTests.Fixture()
        fixture.connect()
        try fixture.feed(Array("SSH-2.0-OpenSSH_9.2\r\n".utf8))
        #expect(fixture.events == [.connectFailed(.badAnswer("not HTTP: \"SSH-2.0-OpenSSH_9.2\""))])
        #expect(!fixture.channel.isActive)
    }

    @Test(
        "system errors become words with the detail beside them",
        arguments: [
            (IOError(errnoCode: ECONNREFUSED, reason: "connect") as any Error, "refused"),
            (IOError(errnoCode: EHOSTUNREACH, reason: "connect"), "unreachable"),
            (IOError(errnoCode: ECONNRESET, reason: "read"), "reset"),
            (ChannelError.connectTimeout(.seconds(5)), "timeout"),
            (ChannelError.eof, "closed before the answer"),
        ])
    func words(error: any Error, word: String) {
        let failure = ConnectionWords.failure(for: error)
        #expect(failure.word == word)
        #expect(!failure.description.contains("errno"))
    }

    @Test("an ended connection's words: reset, closed by collector, dropped")
    func endings() {
        struct Drop: DeliberateDrop {}
        #expect(ConnectionWords.ending(for: IOError(errnoCode: ECONNRESET, reason: "read")) == "reset")
        #expect(ConnectionWords.ending(for: ChannelError.eof) == "closed by collector")
        #expect(ConnectionWords.ending(for: Drop()) == "dropped")
    }
}
