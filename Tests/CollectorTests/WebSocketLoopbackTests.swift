import ClickSwarmTestSupport
import Foundation
import NIOCore
import NIOPosix
import NIOWebSocket
import RaccoonWire
import SwiftProtobuf
import Testing

@testable import Collector

@Suite("Collector over loopback WebSocket")
struct WebSocketLoopbackTests {
    @Test("a binary batch is answered in binary with its req_guid, and its events are accounted")
    func binaryBatch() async throws {
        try await withCollector { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "device-1")
            try await client.send(
                Batches.request(
                    "batch-1", [Batches.click(device: 1, sequence: 0), Batches.click(device: 1, sequence: 1)]))
            let response = try await client.nextResponse()
            #expect(response.status == .success)
            #expect(response.code == .ok)
            #expect(response.data["req_guid"] == "batch-1")
            // The server's clock in seconds; the bound only catches a runaway (a loaded CI machine took 7 s).
            #expect(abs(response.sentTime - Int64(Date().timeIntervalSince1970)) < 120)
            let stats = try await server.stats()
            #expect(stats.events.uniqueDeliveries == 2)
            #expect(stats.events.byType["app-buttonclick"]?.delivered == 2)
            #expect(stats.connections.current == 1)
            #expect(try await server.deliveries(run: 1, device: 1).count == 2)
            await client.close()
        }
    }

    @Test("a text frame carries JSON and is answered in JSON text")
    func textBatch() async throws {
        try await withCollector { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "json-device")
            let request = Batches.request("json-1", [Batches.click(device: 7, sequence: 3)])
            try await client.send(text: String(decoding: RaccoonJSON.encodeRequest(request), as: UTF8.self))
            let frame = try #require(try await client.nextFrame())
            #expect(frame.opcode == .text)
            let text = String(buffer: frame.data)
            #expect(text.hasPrefix(#"{"status":1,"code":1,"sent_time":"#))
            #expect(text.hasSuffix(#","data":{"req_guid":"json-1"}}"#))
            #expect(try await server.stats().events.uniqueDeliveries == 1)
            await client.close()
        }
    }

    @Test("a malformed frame gets CODE_BAD_REQUEST and the connection lives on")
    func malformedFrame() async throws {
        try await withCollector { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "bad")
            try await client.send(binary: [0x0A, 0xFF, 0x01])
            let bad = try await client.nextResponse()
            #expect(bad.status == .error)
            #expect(bad.code == .badRequest)
            #expect(bad.reason.hasPrefix("cannot deserialize request: "))
            #expect(bad.data == ["req_guid": ""])
            try await client.send(text: "{not json")
            let badText = try #require(try await client.nextFrame())
            #expect(badText.opcode == .text)
            #expect(String(buffer: badText.data).contains(#""code":2"#))
            try await client.send(Batches.request("after", []))
            let ok = try await client.nextResponse()
            #expect(ok.code == .ok)
            #expect(ok.data["req_guid"] == "after")
            #expect(try await server.stats().batches.badRequest == 2)
            await client.close()
        }
    }

    @Test("a second connection for the same identity gets Raccoon's code 5 answer and close 1008; the first lives on")
    func duplicateIdentity() async throws {
        try await withCollector { server in
            let first = try await WebSocketTestClient.connect(to: server, id: "same", group: "riders")
            let second = try await WebSocketTestClient.connect(to: server, id: "same", group: "riders")
            let frames = try await second.framesUntilClosed()
            #expect(frames.count == 2)
            let response = try SendEventResponse(serializedBytes: Array(frames[0].data.readableBytesView))
            #expect(frames[0].opcode == .binary)
            #expect(response.status == .error)
            #expect(response.code == .maxUserLimitReached)
            #expect(response.reason == "duplicated connection: [riders] same,")
            #expect(response.data.isEmpty)
            #expect(frames[1].opcode == .connectionClose)
            #expect(closeCode(frames[1]).code == .policyViolation)
            #expect(closeCode(frames[1]).reason == "duplicate connection: same")
            // Another group is another identity.
            let otherGroup = try await WebSocketTestClient.connect(to: server, id: "same", group: "drivers")
            try await otherGroup.send(Batches.request("g", []))
            #expect(try await otherGroup.nextResponse().code == .ok)
            try await first.send(Batches.request("still-here", []))
            #expect(try await first.nextResponse().data["req_guid"] == "still-here")
            #expect(try await server.stats().connections.rejectedDuplicateIdentity == 1)
            await first.close()
            await otherGroup.close()
        }
    }

    @Test("over the connection cap: code 4 and close 1008")
    func connectionCap() async throws {
        try await withCollector({ $0.maxConnections = 2 }) { server in
            let a = try await WebSocketTestClient.connect(to: server, id: "a")
            let b = try await WebSocketTestClient.connect(to: server, id: "b")
            let c = try await WebSocketTestClient.connect(to: server, id: "c")
            let frames = try await c.framesUntilClosed()
            let response = try SendEventResponse(serializedBytes: Array(frames[0].data.readableBytesView))
            #expect(response.code == .maxConnectionLimitReached)
            #expect(response.reason == "max connection reached")
            #expect(response.data.isEmpty)
            #expect(closeCode(frames[1]).code == .policyViolation)
            #expect(closeCode(frames[1]).reason == "Max connection reached")
            // The cap is checked before the identity: a duplicate of a connected client is
            // answered as over the cap.
            let duplicate = try await WebSocketTestClient.connect(to: server, id: "a")
            let duplicateFrames = try await duplicate.framesUntilClosed()
            let duplicateAnswer = try SendEventResponse(
                serializedBytes: Array(duplicateFrames[0].data.readableBytesView))
            #expect(duplicateAnswer.code == .maxConnectionLimitReached)
            await a.close()
            // Once a slot frees, a new connection is accepted.
            try await waitUntil { try await server.stats().connections.current == 1 }
            let d = try await WebSocketTestClient.connect(to: server, id: "d")
            try await d.send(Batches.request("d", []))
            #expect(try await d.nextResponse().code == .ok)
            let stats = try await server.stats()
            #expect(stats.connections.rejectedMaxConnections == 2)
            #expect(stats.connections.acceptedTotal == 3)
            await b.close()
            await d.close()
        }
    }

    @Test(
        "with the legacy cap answer, both refusals are code 5 with an empty reason, as Raccoon v0.1.3-v0.1.4",
        arguments: [("b", "Max connection reached"), ("a", "Duplicate connection")])
    func legacyCapAnswer(id: String, closeReason: String) async throws {
        try await withCollector({
            $0.maxConnections = 2
            $0.legacyCapAnswer = true
        }) { server in
            let a = try await WebSocketTestClient.connect(to: server, id: "a")
            // With "b" the table is full when "b" arrives second; with "a" the second is a duplicate.
            var extra: WebSocketTestClient?
            if id == "b" { extra = try await WebSocketTestClient.connect(to: server, id: "c") }
            let refused = try await WebSocketTestClient.connect(to: server, id: id)
            let frames = try await refused.framesUntilClosed()
            let response = try SendEventResponse(serializedBytes: Array(frames[0].data.readableBytesView))
            #expect(response.status == .error)
            #expect(response.code == .maxUserLimitReached)
            #expect(response.reason == "")
            #expect(response.data.isEmpty)
            #expect(closeCode(frames[1]) == (.policyViolation, closeReason))
            await a.close()
            await extra?.close()
        }
    }

    @Test("no message size limit by default: a 3 MiB message is decoded and acked, as by Raccoon")
    func noDefaultLimit() async throws {
        try await withCollector { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "large")
            var event = Batches.click(device: 1, sequence: 0)
            event.eventBytes.append(Data(repeating: 0x20, count: 3 << 20))
            try await client.send(Batches.request("large", [event]))
            let response = try await client.nextResponse()
            #expect(response.code == .ok)
            #expect(try await server.stats().batches.tooLarge == 0)
            await client.close()
        }
    }

    @Test("client pings get pongs with the same payload")
    func clientPing() async throws {
        try await withCollector { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "pinger")
            try await client.send(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "hello?")))
            let pong = try #require(try await client.nextFrame())
            #expect(pong.opcode == .pong)
            #expect(String(buffer: pong.data) == "hello?")
            await client.close()
        }
    }

    @Test("the server pings with --ping--; a client that never pongs is dropped at the deadline")
    func pongDeadline() async throws {
        // Seconds, not tenths: the polite client's pongs must beat the deadline on a loaded machine,
        // and the clients answer on a loop of their own, not the shared one other suites keep busy
        // (a 3 s deadline on the shared loop was missed once with the whole suite in parallel).
        let clients = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { clients.shutdownGracefully { _ in } }
        try await withCollector({
            $0.pingInterval = 0.5
            $0.pongTimeout = 5
        }) { server in
            let silent = try await WebSocketTestClient.connect(
                to: server, id: "silent", answerPings: false, loops: clients)
            let polite = try await WebSocketTestClient.connect(
                to: server, id: "polite", answerPings: true, loops: clients)
            let frames = try await silent.framesUntilClosed(timeout: .seconds(30))
            let pings = frames.filter { $0.opcode == .ping }
            #expect(pings.count >= 2)
            #expect(pings.allSatisfy { String(buffer: $0.data) == "--ping--" })
            // As Raccoon: the socket closes with no close frame (the client sees 1006).
            #expect(!frames.contains { $0.opcode == .connectionClose })
            // The polite client, answering every ping, outlives several deadlines.
            try await Task.sleep(for: .milliseconds(5500))
            try await polite.send(Batches.request("alive", []))
            #expect(try await polite.nextResponse().data["req_guid"] == "alive")
            await polite.close()
        }
    }

    @Test("a message over the size limit gets a clear error and close 1009")
    func oversize() async throws {
        try await withCollector({ $0.maxMessageBytes = 4096 }) { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "big")
            try await client.send(binary: [UInt8](repeating: 0x41, count: 10_000))
            let frames = try await client.framesUntilClosed()
            let response = try SendEventResponse(serializedBytes: Array(frames[0].data.readableBytesView))
            #expect(response.code == .badRequest)
            #expect(response.reason.contains("exceeds the collector's limit of 4096 bytes"))
            #expect(closeCode(frames[1]).code == .messageTooLarge)
            #expect(try await server.stats().batches.tooLarge == 1)
        }
    }

    @Test("a message in fragments is put together before decoding")
    func fragments() async throws {
        try await withCollector { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "fragments")
            let bytes: [UInt8] = try Batches.request("frag", [Batches.click(device: 9, sequence: 0)]).serializedBytes()
            let middle = bytes.count / 2
            try await client.send(
                WebSocketFrame(fin: false, opcode: .binary, data: ByteBuffer(bytes: bytes[..<middle])))
            try await client.send(
                WebSocketFrame(fin: true, opcode: .continuation, data: ByteBuffer(bytes: bytes[middle...])))
            #expect(try await client.nextResponse().data["req_guid"] == "frag")
            await client.close()
        }
    }

    @Test("a client's close frame is echoed and the connection is freed")
    func clientClose() async throws {
        try await withCollector { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "leaver")
            var data = ByteBuffer()
            data.write(webSocketErrorCode: .normalClosure)
            try await client.send(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))
            let frames = try await client.framesUntilClosed()
            #expect(frames.map(\.opcode) == [.connectionClose])
            #expect(closeCode(frames[0]).code == .normalClosure)
            try await waitUntil { try await server.stats().connections.current == 0 }
            // The identity is free again.
            let again = try await WebSocketTestClient.connect(to: server, id: "leaver")
            try await again.send(Batches.request("back", []))
            #expect(try await again.nextResponse().code == .ok)
            await again.close()
        }
    }

    @Test("shutdown closes every connection with 1001")
    func shutdown() async throws {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        let server = try await CollectorServer.start(configuration: configuration)
        let client = try await WebSocketTestClient.connect(to: server, id: "x")
        try await server.shutdown()
        let frames = try await client.framesUntilClosed()
        #expect(frames.last.map { closeCode($0).code } == .goingAway)
    }
}
