import ClickSwarmTestSupport
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import RaccoonWire
import Testing

@testable import Collector

@Suite("Request timeouts state machine")
struct RequestTimeoutStateMachineTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test("the head must arrive in time from the start, the body from the head; answering stops the clock")
    func phases() {
        var machine = RequestTimeoutStateMachine(now: start, headTimeout: .seconds(30), bodyTimeout: .seconds(60))
        #expect(machine.deadline == start + .seconds(30))
        #expect(machine.timerFired(now: start + .seconds(29)) == nil)
        machine.headReceived(now: start + .seconds(10))
        #expect(machine.deadline == start + .seconds(70))
        machine.requestEnded()
        #expect(machine.deadline == nil)
        #expect(machine.timerFired(now: start + .seconds(500)) == nil)
        machine.answered(now: start + .seconds(600), keepAlive: true)
        #expect(machine.deadline == start + .seconds(630))
        #expect(machine.timerFired(now: start + .seconds(630)) == .head)
        #expect(machine.deadline == nil)
    }

    @Test("a body that does not arrive expires as .body; a closing answer ends the timing")
    func bodyExpiry() {
        var machine = RequestTimeoutStateMachine(now: start, headTimeout: .seconds(30), bodyTimeout: .seconds(60))
        machine.headReceived(now: start)
        #expect(machine.timerFired(now: start + .seconds(60)) == .body)
        var closing = RequestTimeoutStateMachine(now: start, headTimeout: .seconds(1), bodyTimeout: .seconds(1))
        closing.headReceived(now: start)
        closing.requestEnded()
        closing.answered(now: start, keepAlive: false)
        #expect(closing.deadline == nil)
    }
}

@Suite("HTTP read timeouts on an embedded channel (virtual clock)")
struct RequestTimeoutEmbeddedTests {
    let loop = EmbeddedEventLoop()

    func channel() throws -> (EmbeddedChannel, CollectorServer.SharedState) {
        var configuration = CollectorConfiguration()
        configuration.requestHeadTimeout = 30
        configuration.requestBodyTimeout = 60
        let shard = CollectorShard(core: CollectorCore(configuration: configuration, stream: 0, sink: nil))
        let box = NIOLoopBoundBox.makeBoxSendingValue(shard, as: CollectorShard.self, eventLoop: loop)
        let shared = CollectorServer.SharedState(
            configuration: configuration, shards: [ObjectIdentifier(loop): box], sink: nil,
            logger: Logger(label: "test"))
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(HTTPRequestHandler(shared: shared))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, shared)
    }

    @Test("no head within 30 s: closed without an answer, and counted")
    func headTimeout() throws {
        let (channel, shared) = try channel()
        loop.advanceTime(by: .seconds(29))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
        #expect(try channel.readOutbound(as: HTTPServerResponsePart.self) == nil)
        #expect(shared.shard(for: loop).value.protection.requestHeadTimeouts == 1)
    }

    @Test("a body that never comes: 408 with a JSON error after 60 s, then closed")
    func bodyTimeout() throws {
        let (channel, shared) = try channel()
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: "99999999999")
        headers.add(name: "Content-Type", value: "application/json")
        try channel.writeInbound(
            HTTPServerRequestPart.head(
                HTTPRequestHead(version: .http1_1, method: .POST, uri: "/api/v1/events", headers: headers)))
        loop.advanceTime(by: .seconds(59))
        #expect(try channel.readOutbound(as: HTTPServerResponsePart.self) == nil)
        loop.advanceTime(by: .seconds(1))
        guard case .head(let response) = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
            Issue.record("no 408")
            return
        }
        #expect(response.status == .requestTimeout)
        #expect(response.headers.first(name: "Connection") == "close")
        guard case .body(.byteBuffer(let body)) = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
            Issue.record("no body")
            return
        }
        #expect(String(buffer: body) == #"{"error":"the request body did not arrive within 60000ms of its head"}"#)
        #expect(!channel.isActive)
        #expect(shared.shard(for: loop).value.protection.requestBodyTimeouts == 1)
    }

    @Test("a kept-alive connection gets 30 s for its next head after each answer")
    func keepAliveIdle() throws {
        let (channel, _) = try channel()
        loop.advanceTime(by: .seconds(20))
        try channel.writeInbound(
            HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/ping")))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        while try channel.readOutbound(as: HTTPServerResponsePart.self) != nil {}
        loop.advanceTime(by: .seconds(29))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }
}

@Suite("The collector under abuse, over loopback")
struct AbuseLoopbackTests {
    @Test("slowloris, a Content-Length with no body, and a malformed request are all closed")
    func slowRequestsClosed() async throws {
        try await withCollector({
            // Generous for the head, so a loaded machine still writes each request in time.
            $0.requestHeadTimeout = 3
            $0.requestBodyTimeout = 1
        }) { server in
            // Slowloris: one byte at a time, never a whole head.
            let slow = try await RawTCPClient.connect(port: server.port)
            // The server may close while we trickle: that is the point.
            try? await slow.write("G")
            try? await slow.write("E")
            let slowBytes = try await slow.bytesUntilClosed()
            #expect(slowBytes.isEmpty)
            // A body that never comes.
            // Each request is written on connect, on the client's event loop (RawTCPClient).
            let empty = try await RawTCPClient.connect(
                port: server.port,
                sending: "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 99999999999\r\n\r\n")
            let answer = String(decoding: try await empty.bytesUntilClosed(), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 408 Request Timeout"))
            #expect(answer.contains("did not arrive within 1000ms"))
            // A malformed request: 400 from the HTTP decoder, then the socket is closed.
            let garbage = try await RawTCPClient.connect(port: server.port, sending: "THIS IS NOT HTTP\r\n\r\n")
            let rejected = String(decoding: try await garbage.bytesUntilClosed(), as: UTF8.self)
            #expect(rejected.hasPrefix("HTTP/1.1 400 Bad Request"))
            let stats = try await server.stats()
            #expect(stats.protection.requestHeadTimeouts >= 1)
            #expect(stats.protection.requestBodyTimeouts == 1)
            #expect(stats.protection.httpProtocolErrors == 1)
            // The collector still serves.
            #expect(try await HTTPTestClient.request(.GET, "/ping", port: server.port).text == "pong")
        }
    }

    /// One masked text frame, as a client must send it (RFC 6455 5.2).
    static func maskedTextFrame(_ payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [0x81]
        let count = payload.count
        if count < 126 {
            frame.append(0x80 | UInt8(count))
        } else if count < 65_536 {
            frame += [0x80 | 126, UInt8(count >> 8), UInt8(count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            frame += (0..<8).reversed().map { UInt8(truncatingIfNeeded: count >> ($0 * 8)) }
        }
        let key: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        frame += key
        frame += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        return frame
    }

    @Test("a client that sends and never reads is paused, bounded, counted; others are unaffected")
    func slowReader() async throws {
        // Its own loop: megabytes through the shared one would delay other suites' pongs.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        try await withCollector({ $0.outboundBufferLimit = 64 * 1024 }) { server in
            let reader = try await RawTCPClient.connect(
                port: server.port, reading: false, receiveBuffer: 16 * 1024, group: group)
            try await reader.write(
                "GET /api/v1/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-User-ID: slow\r\n\r\n"
            )
            // 300 text batches whose 32 KiB req_guid each answer echoes: 9.6 MB of answers, more
            // than the kernel's buffers (a few MB on loopback) hold.
            let guid = String(repeating: "g", count: 32 * 1024)
            let frame = Self.maskedTextFrame(Array(#"{"req_guid":"\#(guid)"}"#.utf8))
            for _ in 0..<300 { reader.write(bytes: frame) }
            try await waitUntil(timeout: .seconds(20)) { try await server.stats().protection.slowReaderPauses >= 1 }
            let paused = try await server.stats()
            #expect(paused.protection.slowReadersPaused == 1)
            // Reading stopped well short of the 300 batches: what is queued stays bounded.
            #expect(paused.batches.received < 250, "\(paused.batches.received) batches read")
            // Another client is served meanwhile.
            let other = try await WebSocketTestClient.connect(to: server, id: "normal")
            try await other.send(Batches.request("other", []))
            #expect(try await other.nextResponse().code == .ok)
            // Once the slow client reads, reading resumes and every batch is answered.
            try await reader.startReading()
            // 300 from the slow client and the other client's one.
            try await waitUntil(timeout: .seconds(30)) { try await server.stats().batches.received == 301 }
            // Every answer reached the slow client: 300 echoes of the 32 KiB req_guid.
            try await waitUntil(timeout: .seconds(30)) { try await reader.received() > 300 * 32 * 1024 }
            #expect(try await server.stats().protection.slowReadersPaused == 0)
            await other.close()
            await reader.close()
        }
    }
}

@Suite("Accept back-off")
struct AcceptBackoffTests {
    @Test("failures group in episodes: said at the start, counted at the end")
    func episodes() {
        var episodes = AcceptEpisodes()
        let before = episodes.accepted()
        let starts = [episodes.failed(), episodes.failed(), episodes.failed()]
        let ended = episodes.accepted()
        let again = episodes.accepted()
        let restarts = episodes.failed()
        #expect(before == nil)
        #expect(starts == [true, false, false])
        #expect(ended == 3)
        #expect(again == nil)
        #expect(restarts)
        #expect(episodes.failures == 4)
    }

    @Test("the back-off hook: EMFILE backs off and is said once per episode; ECONNABORTED does not back off")
    func hook() throws {
        let notices = NIOLockedValueBox<[CollectorNotice]>([])
        let loop = EmbeddedEventLoop()
        let configuration = CollectorConfiguration()
        let shard = CollectorShard(core: CollectorCore(configuration: configuration, stream: 0, sink: nil))
        let box = NIOLoopBoundBox.makeBoxSendingValue(shard, as: CollectorShard.self, eventLoop: loop)
        let shared = CollectorServer.SharedState(
            configuration: configuration, shards: [ObjectIdentifier(loop): box], sink: nil,
            logger: Logger(label: "test"), notices: { notice in notices.withLockedValue { $0.append(notice) } })
        for _ in 0..<5 {
            #expect(
                AcceptGuard.backoff(after: IOError(errnoCode: EMFILE, reason: "accept"), shared: shared) == .seconds(1))
        }
        #expect(AcceptGuard.backoff(after: IOError(errnoCode: ECONNABORTED, reason: "accept"), shared: shared) == nil)
        // The monitor on the server channel sees the next accepted connection.
        let server = EmbeddedChannel(handler: AcceptGuard(shared: shared), loop: loop)
        try server.writeInbound("a child channel")
        try server.writeInbound("another")
        let said = notices.withLockedValue { $0 }
        #expect(said.count == 2)
        if case .acceptBackingOff(let reason, let seconds) = said.first {
            #expect(reason.contains("Too many open files"))
            #expect(seconds == 1)
        } else {
            Issue.record("expected acceptBackingOff first, got \(said)")
        }
        #expect(said.last == .acceptRecovered(failures: 5))
        #expect(shared.accepts.withLockedValue { $0.failures } == 5)
        _ = try server.finish()
    }
}

@Suite("Slow-reader guard on an embedded channel")
struct SlowReaderGuardTests {
    /// Counts the reads that get past the guard.
    final class ReadProbe: ChannelOutboundHandler {
        typealias OutboundIn = NIOAny
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    @Test("reads are held while the channel is not writable and resumed when it drains")
    func holdsReads() throws {
        let loop = EmbeddedEventLoop()
        let shard = CollectorShard(core: CollectorCore(configuration: CollectorConfiguration(), stream: 0, sink: nil))
        let probe = ReadProbe()
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(probe)
        try channel.pipeline.syncOperations.addHandler(SlowReaderGuard(shard: shard))
        channel.read()
        #expect(probe.reads == 1)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        channel.read()
        channel.read()
        #expect(probe.reads == 1)
        #expect(shard.protection.slowReaderPauses == 1)
        #expect(shard.protection.slowReadersPaused == 1)
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(probe.reads == 2)
        #expect(shard.protection.slowReadersPaused == 0)
        _ = try channel.finish()
    }
}
