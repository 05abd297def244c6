import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOWebSocket
import Testing

@testable import Collector

/// The server's own per-connection pipeline (`CollectorPipeline.configure`) on an embedded channel:
/// the inputs the fuzz targets (Fuzz/) found, as they were found.
@Suite("The server's connection pipeline on an embedded channel")
struct ServerPipelineEmbeddedTests {
    let loop = EmbeddedEventLoop()

    func connection() throws -> EmbeddedChannel {
        let configuration = CollectorConfiguration()
        let shard = CollectorShard(core: CollectorCore(configuration: configuration, stream: 0, sink: nil))
        let box = NIOLoopBoundBox.makeBoxSendingValue(shard, as: CollectorShard.self, eventLoop: loop)
        let shared = CollectorServer.SharedState(
            configuration: configuration, shards: [ObjectIdentifier(loop): box], sink: nil,
            logger: Logger(label: "test"))
        let channel = EmbeddedChannel(loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try CollectorPipeline.configure(channel, shared: shared)
        return channel
    }

    func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let data = try channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = data { text += String(buffer: buffer) }
        }
        return text
    }

    static func handshake(body: String) -> String {
        "GET /api/v1/events HTTP/1.1\r\nHost: collector\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Content-Length: 86\r\n\r\n" + body
    }

    /// fuzz-http (LeakSanitizer): NIO's upgrade handler, ready to upgrade, waits for the end of the
    /// handshake's body holding a closure that holds its own context; a client that closed before
    /// the body ended leaked the connection's whole pipeline.
    @Test("a WebSocket handshake with a body the client never finishes leaks nothing")
    func unfinishedHandshakeBody() throws {
        weak var upgradeHandler: HTTPServerUpgradeHandler?
        do {
            let channel = try connection()
            upgradeHandler = try channel.pipeline.syncOperations.handler(type: HTTPServerUpgradeHandler.self)
            // NIO reports the refused upgrade as an error; what matters here is that nothing leaks.
            _ = try? channel.writeInbound(ByteBuffer(string: Self.handshake(body: #"{"ack_delay":"uniform(1ms"#)))
            loop.run()
            #expect(try written(channel).isEmpty)
            _ = try? channel.finish(acceptAlreadyClosed: true)
        }
        loop.run()
        #expect(upgradeHandler == nil)
    }

    @Test("a WebSocket handshake with a body is refused with 400 and a reason, not upgraded")
    func handshakeWithBody() throws {
        let channel = try connection()
        #expect(throws: NIOWebSocketUpgradeError.self) {
            try channel.writeInbound(ByteBuffer(string: Self.handshake(body: String(repeating: "x", count: 86))))
        }
        loop.run()
        let answer = try written(channel)
        #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(answer.hasSuffix(#"{"error":"a WebSocket upgrade request must not have a body"}"#))
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    /// fuzz-http's input as it was: a fault update with a heavy-tailed ack delay, then a batch, whose
    /// sampled delay trapped converting to Int64 nanoseconds.
    @Test("a batch under an ack delay of lognormal(8784h, 10) is answered later, without a trap")
    func heavyTailedAckDelay() throws {
        let channel = try connection()
        let faults = #"{"ack_delay":"lognormal(8784h,10)","error_rate":0,"ack_loss":0}"#
        let batch = #"{"req_guid":"a"}"#
        let input =
            "POST /admin/faults HTTP/1.1\r\nHost: c\r\nContent-Length: \(faults.utf8.count)\r\n\r\n\(faults)"
            + "POST /api/v1/events HTTP/1.1\r\nHost: c\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(batch.utf8.count)\r\n\r\n\(batch)"
        try channel.writeInbound(ByteBuffer(string: input))
        loop.run()
        #expect(try written(channel).hasPrefix("HTTP/1.1 200 OK\r\n"))
        loop.advanceTime(by: .seconds(1))
        #expect(try written(channel).isEmpty)
        _ = try channel.finish(acceptAlreadyClosed: true)
    }
}
