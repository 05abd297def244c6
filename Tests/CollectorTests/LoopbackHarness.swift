import ClickSwarmTestSupport
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOWebSocket
import RaccoonWire
import SwiftProtobuf
import Testing

@testable import Collector

extension WebSocketTestClient {
    static func connect(
        to server: CollectorServer, id: String, group: String? = nil, answerPings: Bool = true,
        loops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> WebSocketTestClient {
        var headers = [("X-User-ID", id)]
        if let group { headers.append(("X-User-Group", group)) }
        return try await connect(port: server.port, headers: headers, answerPings: answerPings, group: loops)
    }

    func send(_ request: SendEventRequest) async throws {
        try await send(binary: try request.serializedBytes())
    }

    /// The next frame, decoded as a binary protobuf response.
    func nextResponse() async throws -> SendEventResponse {
        let frame = try #require(try await nextFrame(), "connection closed before a response")
        #expect(frame.opcode == .binary)
        return try SendEventResponse(serializedBytes: Array(frame.data.readableBytesView))
    }
}

/// The close code and reason of a close frame.
func closeCode(_ frame: WebSocketFrame) -> (code: WebSocketErrorCode?, reason: String) {
    var data = frame.data
    let code = data.readWebSocketErrorCode()
    return (code, data.readString(length: data.readableBytes) ?? "")
}
