import ClickstreamSDK
import NIOCore
import NIOWebSocket

extension WebSocketTransport {
    /// Writes the upgrade request, reads the response head and passes every byte after a 101
    /// on to the frame decoder.
    final class UpgradeHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private weak var transport: WebSocketTransport?
        private let id: UInt64
        private let request: ByteBuffer
        private var requestSent = false
        private var head = ByteBuffer()
        /// Where the search for the end of the head resumes.
        private var scanned = 0
        private var upgraded = false
        private var failed = false

        init(transport: WebSocketTransport, id: UInt64, request: ByteBuffer) {
            self.transport = transport
            self.id = id
            self.request = request
        }

        func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { sendRequest(context: context) }
        }

        func channelActive(context: ChannelHandlerContext) {
            sendRequest(context: context)
            context.fireChannelActive()
        }

        private func sendRequest(context: ChannelHandlerContext) {
            guard !requestSent else { return }
            requestSent = true
            context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if upgraded {
                context.fireChannelRead(data)
                return
            }
            guard !failed else { return }
            var bytes = unwrapInboundIn(data)
            head.writeBuffer(&bytes)
            // An answer that does not start as HTTP fails at once, not at the connect timeout.
            let start = Array(head.readableBytesView.prefix(5))
            guard Array("HTTP/".utf8).starts(with: start) || start.starts(with: Array("HTTP/".utf8)) else {
                let firstLine = head.readableBytesView.prefix { $0 != 13 && $0 != 10 }.prefix(80)
                fail(.badAnswer("not HTTP: \(String(decoding: firstLine, as: UTF8.self).debugDescription)"), context)
                return
            }
            guard let end = headEnd() else {
                if head.readableBytes > WebSocketTransport.maxResponseHeadBytes {
                    fail(.badAnswer("an answer head over \(WebSocketTransport.maxResponseHeadBytes) bytes"), context)
                }
                return
            }
            let headText = String(decoding: head.readableBytesView.prefix(end), as: UTF8.self)
            switch Self.parse(headText) {
            case .failure(let failure):
                fail(failure, context)
            case .success:
                upgraded = true
                guard transport?.upgraded(id, channel: context.channel) == true else {
                    context.close(promise: nil)
                    return
                }
                head.moveReaderIndex(forwardBy: end + 4)
                let rest = head
                head = ByteBuffer()
                if rest.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(rest)) }
            }
        }

        /// The offset of the blank line's CRLFCRLF in `head`, if it arrived.
        private func headEnd() -> Int? {
            let view = head.readableBytesView
            var index = max(scanned - 3, 0)
            while index + 3 < view.count {
                let base = view.startIndex + index
                if view[base] == 13, view[base + 1] == 10, view[base + 2] == 13, view[base + 3] == 10 {
                    return index
                }
                index += 1
            }
            scanned = view.count
            return nil
        }

        /// Accepts `HTTP/1.1 101` with `Upgrade: websocket`.
        static func parse(_ head: String) -> Result<Void, TransportFailure> {
            let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
            let statusParts = (lines.first ?? "").split(separator: " ", maxSplits: 2)
            guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), statusParts[1].utf8.count == 3,
                let status = Int(statusParts[1])
            else {
                return .failure(.badAnswer("not an HTTP answer to the upgrade: \((lines.first ?? "").prefix(80))"))
            }
            guard status == 101 else { return .failure(.httpStatus(status)) }
            let upgradesToWebSocket = lines.dropFirst().contains { line in
                let parts = line.split(separator: ":", maxSplits: 1)
                return parts.count == 2 && parts[0].lowercased() == "upgrade"
                    && parts[1].trimmingSpaces().lowercased() == "websocket"
            }
            guard upgradesToWebSocket else { return .failure(.badAnswer("101 without Upgrade: websocket")) }
            return .success(())
        }

        private func fail(_ failure: TransportFailure, _ context: ChannelHandlerContext) {
            failed = true
            head = ByteBuffer()
            transport?.attemptFailed(id, failure, channel: context.channel)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            if !upgraded, !failed {
                failed = true
                transport?.attemptFailed(id, .closedBeforeAnswer, channel: nil)
            }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            guard upgraded else {
                if !failed { fail(ConnectionWords.failure(for: error), context) }
                return
            }
            context.fireErrorCaught(error)
        }
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
