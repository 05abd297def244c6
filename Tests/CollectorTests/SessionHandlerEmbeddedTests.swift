import Logging
import NIOCore
import NIOEmbedded
import NIOWebSocket
import RaccoonWire
import SwarmPrimitives
import SwiftProtobuf
import Testing

@testable import Collector

/// The WebSocket session handler on NIO's embedded channel: virtual time, no sockets.
@Suite("WebSocket session handler on an embedded channel")
struct SessionHandlerEmbeddedTests {
    let loop = EmbeddedEventLoop()

    func shared(_ change: (inout CollectorConfiguration) -> Void = { _ in }) -> CollectorServer.SharedState {
        var configuration = CollectorConfiguration()
        change(&configuration)
        let shard = CollectorShard(core: CollectorCore(configuration: configuration, stream: 0, sink: nil))
        let box = NIOLoopBoundBox.makeBoxSendingValue(shard, as: CollectorShard.self, eventLoop: loop)
        return CollectorServer.SharedState(
            configuration: configuration, shards: [ObjectIdentifier(loop): box], sink: nil,
            logger: Logger(label: "test"))
    }

    func channel(_ shared: CollectorServer.SharedState, id: String = "device") throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.pipeline.syncOperations.addHandler(
            WebSocketSessionHandler(identity: ConnectionIdentity(id: id, group: nil), shared: shared))
        return channel
    }

    func response(_ frame: WebSocketFrame?) throws -> SendEventResponse {
        let frame = try #require(frame)
        return try SendEventResponse(serializedBytes: Array(frame.data.readableBytesView))
    }

    @Test("pings every interval on the virtual clock; a pong keeps the connection, silence closes TCP, no close frame")
    func keepalive() throws {
        let shared = shared()
        let channel = try channel(shared)
        #expect(try channel.readOutbound(as: WebSocketFrame.self) == nil)
        loop.advanceTime(by: .seconds(29))
        #expect(try channel.readOutbound(as: WebSocketFrame.self) == nil)
        loop.advanceTime(by: .seconds(1))
        let ping = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(ping.opcode == .ping)
        #expect(String(buffer: ping.data) == "--ping--")
        // The pong at t=45 moves the read deadline to t=105.
        loop.advanceTime(by: .seconds(15))
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .pong, data: ByteBuffer(string: "--ping--")))
        loop.advanceTime(by: .seconds(15))
        #expect(try channel.readOutbound(as: WebSocketFrame.self)?.opcode == .ping)
        loop.advanceTime(by: .seconds(30))
        #expect(try channel.readOutbound(as: WebSocketFrame.self)?.opcode == .ping)
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(14))
        #expect(try channel.readOutbound(as: WebSocketFrame.self) == nil)
        loop.advanceTime(by: .seconds(1))
        #expect(try channel.readOutbound(as: WebSocketFrame.self) == nil)
        #expect(!channel.isActive)
        #expect(shared.table.withLockedValue { $0.current } == 0)
    }

    @Test("a batch is answered at once, or after the injected ack delay on the virtual clock")
    func ackDelay() throws {
        let shared = shared { $0.faults.ackDelay = .constant(2) }
        let channel = try channel(shared)
        let bytes: [UInt8] = try Batches.request("late", [Batches.click(device: 1, sequence: 0)]).serializedBytes()
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: bytes)))
        loop.advanceTime(by: .milliseconds(1999))
        #expect(try channel.readOutbound(as: WebSocketFrame.self) == nil)
        loop.advanceTime(by: .milliseconds(1))
        let answer = try response(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(answer.data["req_guid"] == "late")
        let core = shared.shard(for: loop).value.core
        #expect(core.ackLatency.total == 1)
        #expect(core.ackLatency.sum == 2)
        _ = try channel.finish()
    }

    @Test(
        "a 366-day ack delay, or a distribution whose samples overflow, is clamped: the batch is answered, no crash",
        arguments: [Distribution.constant(366 * 86_400), .lognormal(median: 366 * 86_400, sigma: 10)])
    func longestAckDelay(delay: Distribution) throws {
        let shared = shared {
            $0.faults.ackDelay = delay
            $0.pingInterval = 43_200
            $0.pongTimeout = 172_800
        }
        let channel = try channel(shared)
        let bytes: [UInt8] = try Batches.request("year", [Batches.click(device: 1, sequence: 0)]).serializedBytes()
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: bytes)))
        var answeredOnDay: [Int] = []
        // A day at a time, answering the keepalive pings as a client would.
        for day in 1...367 {
            loop.advanceTime(by: .hours(24))
            try channel.writeInbound(WebSocketFrame(fin: true, opcode: .pong, data: ByteBuffer(string: "--ping--")))
            while let frame = try channel.readOutbound(as: WebSocketFrame.self) {
                if frame.opcode == .binary { answeredOnDay.append(day) }
            }
        }
        #expect(answeredOnDay.count == 1)
        // A constant 366 days is answered on day 366; a lognormal's sample is at most that.
        #expect(answeredOnDay.allSatisfy { $0 <= 366 })
        if case .constant = delay { #expect(answeredOnDay == [366]) }
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test("a second handler for the same identity answers code 5, then close 1008")
    func duplicate() throws {
        let shared = shared()
        let first = try channel(shared, id: "same")
        let second = try channel(shared, id: "same")
        let rejection = try response(try second.readOutbound(as: WebSocketFrame.self))
        #expect(rejection.code == .maxUserLimitReached)
        #expect(rejection.reason == "duplicated connection: [--default--] same,")
        let close = try #require(try second.readOutbound(as: WebSocketFrame.self))
        #expect(closeCode(close) == (.policyViolation, "duplicate connection: same"))
        #expect(!second.isActive)
        #expect(first.isActive)
        _ = try first.finish()
    }

    /// Found by fuzz-websocket (LeakSanitizer): the handler kept its context, the context keeps the
    /// handler, so every closed connection leaked both, its pipeline and its guid memory.
    @Test("a closed connection's session handler is freed")
    func handlerIsFreedAfterClose() throws {
        let shared = shared { $0.deduplicate = true }
        weak var released: WebSocketSessionHandler?
        do {
            let channel = EmbeddedChannel(loop: loop)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            let handler = WebSocketSessionHandler(identity: ConnectionIdentity(id: "gone", group: nil), shared: shared)
            released = handler
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.writeInbound(
                WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: #"{"req_guid":"g"}"#)))
            #expect(try channel.readOutbound(as: WebSocketFrame.self)?.opcode == .text)
            _ = try channel.finish()
        }
        #expect(released == nil)
        #expect(shared.shard(for: loop).value.sessionCount == 0)
    }

    @Test("a text frame is answered with a text frame; a client close is echoed")
    func textAndClose() throws {
        let shared = shared()
        let channel = try channel(shared)
        try channel.writeInbound(
            WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: #"{"req_guid":"t"}"#)))
        let answer = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(answer.opcode == .text)
        #expect(String(buffer: answer.data).hasSuffix(#""data":{"req_guid":"t"}}"#))
        var code = ByteBuffer()
        code.write(webSocketErrorCode: .normalClosure)
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: code))
        let echo = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(echo.opcode == .connectionClose)
        #expect(closeCode(echo).code == .normalClosure)
        #expect(!channel.isActive)
    }
}
