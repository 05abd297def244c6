import Foundation
import NIOCore
import NIOHTTP1
import RaccoonWire
import SwiftProtobuf

/// Plain HTTP requests: REST ingestion, `/ping`, `/stats`, `/metrics` and `/admin/faults`.
/// The pipeline's `HTTPServerPipelineHandler` keeps one request in flight per connection, so
/// answers that come later (a delayed ack, merged stats) still go out in order. Read timeouts
/// (`HTTPRequestHandler+Timeouts.swift`) close connections whose requests do not arrive.
final class HTTPRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let shared: CollectorServer.SharedState
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var bodyTooLarge = false
    private var bodyBytes = 0
    private var requestMemory: RequestGUIDMemory?
    /// The request timeouts, their timer and the context they act on (set in `handlerAdded`).
    var timeouts: RequestTimeoutStateMachine?
    var timeoutTimer: Scheduled<Void>?
    var context: ChannelHandlerContext?
    /// The request in flight, for a 408 when its body does not arrive.
    var currentHead: HTTPRequestHead?
    /// Set when the next answer must close the connection (a 408).
    var closeAfterAnswer = false
    /// Set once a malformed request was seen (the decoder reports it more than once).
    var protocolErrorSeen = false

    init(shared: CollectorServer.SharedState) {
        self.shared = shared
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            currentHead = head
            requestHeadArrived()
            body = nil
            bodyTooLarge = false
            bodyBytes = 0
        case .body(var chunk):
            let (sum, overflow) = bodyBytes.addingReportingOverflow(chunk.readableBytes)
            bodyBytes = overflow ? .max : sum
            guard !bodyTooLarge else { return }
            if let limit = shared.configuration.maxMessageBytes, bodyBytes > limit {
                bodyTooLarge = true
                body = nil
                return
            }
            if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
        case .end:
            requestEnded()
            guard let head else { return }
            self.head = nil
            route(head, body: body ?? ByteBuffer(), context: context)
            body = nil
        }
    }

    private func route(_ head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        switch (head.method, path) {
        case (.GET, "/ping"):
            respond(.ok, contentType: "text/plain", body: ByteBuffer(string: "pong"), head: head, context: context)
        case (.POST, "/api/v1/events"):
            ingest(head, body: body, context: context)
        case (.GET, "/api/v1/events") where head.headers.contains(name: "Upgrade") && head.announcesBody:
            respondError(.badRequest, "a WebSocket upgrade request must not have a body", head: head, context: context)
        case (.GET, "/stats"):
            respondWithStats(contentType: "application/json", head: head, context: context) {
                ByteBuffer(bytes: $0.jsonData())
            }
        case (.GET, "/metrics"):
            respondWithStats(contentType: "text/plain; version=0.0.4; charset=utf-8", head: head, context: context) {
                ByteBuffer(string: $0.prometheusText)
            }
        case (_, "/admin/faults") where !admitted(head, context: context):
            return
        case (.GET, "/admin/faults"):
            let faults = shared.faults.withLockedValue { $0 }
            respond(
                .ok, contentType: "application/json", body: ByteBuffer(string: faults.json), head: head,
                context: context)
        case (.POST, "/admin/faults"):
            guard !bodyTooLarge else {
                respondError(.payloadTooLarge, "fault update too large", head: head, context: context)
                return
            }
            var faults = shared.faults.withLockedValue { $0 }
            do {
                try faults.apply(json: body.readableBytesView)
            } catch {
                respondError(.badRequest, error.description, head: head, context: context)
                return
            }
            shared.logger.debug("faults changed", metadata: ["faults": "\(faults.json)"])
            shared.setFaults(faults).hop(to: context.eventLoop).assumeIsolated().whenComplete { _ in
                self.respond(
                    .ok, contentType: "application/json", body: ByteBuffer(string: faults.json), head: head,
                    context: context)
            }
        case (_, "/ping"), (_, "/api/v1/events"), (_, "/stats"), (_, "/metrics"), (_, "/admin/faults"):
            respondError(
                .methodNotAllowed, "method \(head.method) not allowed on \(path)", head: head, context: context)
        default:
            respondError(.notFound, "no such endpoint: \(path)", head: head, context: context)
        }
    }

    /// Whether the peer may use the admin endpoint; answers 401 or 403 when not.
    private func admitted(_ head: HTTPRequestHead, context: ChannelHandlerContext) -> Bool {
        let decision = AdminAccess.decide(
            peer: context.channel.remoteAddress, authorization: head.headers.first(name: "Authorization"),
            token: shared.configuration.adminToken)
        switch decision {
        case .allowed:
            return true
        case .unauthorized(let message):
            shared.logger.debug(
                "admin request without credentials",
                metadata: ["peer": "\(context.remoteAddress.map { "\($0)" } ?? "unknown")"])
            respondError(
                .unauthorized, message, head: head, context: context,
                extraHeaders: [("WWW-Authenticate", #"Bearer realm="clickswarm-admin""#)])
        case .forbidden(let message):
            shared.logger.debug(
                "admin request refused", metadata: ["peer": "\(context.remoteAddress.map { "\($0)" } ?? "unknown")"])
            respondError(.forbidden, message, head: head, context: context)
        }
        return false
    }

    /// Merges the figures of every event loop, then answers with them rendered by `render`.
    private func respondWithStats(
        contentType: String,
        head: HTTPRequestHead,
        context: ChannelHandlerContext,
        render: @escaping (CollectorStats) -> ByteBuffer
    ) {
        shared.stats().hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let stats):
                self.respond(.ok, contentType: contentType, body: render(stats), head: head, context: context)
            case .failure(let error):
                self.respondError(.internalServerError, "\(error)", head: head, context: context)
            }
        }
    }

    private func ingest(_ head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let contentType = head.headers.first(name: "Content-Type") ?? ""
        guard let encoding = WireEncoding(contentType: contentType) else {
            let response = SendEventResponse.make(
                status: .error, code: .badRequest, sentTime: WebSocketSessionHandler.serverTime(),
                reason: "unsupported Content-Type '\(contentType)': use application/proto or application/json",
                reqGUID: "")
            shared.shard(for: context.eventLoop).value.core.noteBadContentType()
            send(response, status: .badRequest, encoding: .json, head: head, context: context)
            return
        }
        let shard = shared.shard(for: context.eventLoop).value
        if bodyTooLarge {
            let response = shard.core.tooLarge(
                size: bodyBytes,
                limit: shared.configuration.maxMessageBytes ?? CollectorConfiguration.largestMessageLimit,
                serverTime: WebSocketSessionHandler.serverTime())
            send(response, status: .payloadTooLarge, encoding: encoding, head: head, context: context)
            return
        }
        let received = context.eventLoop.now
        let decision = shard.core.ingest(
            body, encoding: encoding, transport: .rest, requestMemory: &requestMemory,
            serverTime: WebSocketSessionHandler.serverTime())
        if let batch = decision.kafka {
            shared.publish(batch, shard: shard, loop: context.eventLoop) { settlement in
                if let guid = settlement.forget { self.requestMemory?.forget(guid) }
                guard batch.afterPublish else { return }
                self.reply(
                    settlement.response, after: settlement.delay, encoding: encoding, head: head, received: received,
                    shard: shard, context: context)
            }
            // After-publish: the answer waits for the reports (above).
            if batch.afterPublish { return }
        }
        reply(
            decision.response, after: decision.delay, encoding: encoding, head: head, received: received, shard: shard,
            context: context)
    }

    /// Answers a batch after `delay` seconds (now when not positive); `nil` is a lost ack, which
    /// over REST the client sees as the connection dropping with no answer.
    private func reply(
        _ response: SendEventResponse?, after delay: Double, encoding: WireEncoding, head: HTTPRequestHead,
        received: NIODeadline, shard: CollectorShard, context: ChannelHandlerContext
    ) {
        guard let response else {
            context.close(promise: nil)
            return
        }
        let status: HTTPResponseStatus
        switch response.code {
        case .ok: status = .ok
        case .badRequest: status = .badRequest
        default: status = .internalServerError
        }
        let reply = {
            shard.core.recordAckLatency(Double((context.eventLoop.now - received).nanoseconds) / 1e9)
            self.send(response, status: status, encoding: encoding, head: head, context: context)
        }
        if delay <= 0 {
            reply()
        } else {
            context.eventLoop.assumeIsolated().scheduleTask(in: .clamped(seconds: delay)) { reply() }
        }
    }

    private func send(
        _ response: SendEventResponse,
        status: HTTPResponseStatus,
        encoding: WireEncoding,
        head: HTTPRequestHead,
        context: ChannelHandlerContext
    ) {
        let bytes: [UInt8]
        switch encoding {
        case .protobuf: bytes = (try? response.serializedBytes()) ?? []
        case .json: bytes = RaccoonJSON.encodeResponse(response)
        }
        respond(status, contentType: encoding.contentType, body: ByteBuffer(bytes: bytes), head: head, context: context)
    }

    func respondError(
        _ status: HTTPResponseStatus,
        _ message: String,
        head: HTTPRequestHead,
        context: ChannelHandlerContext,
        extraHeaders: [(String, String)] = []
    ) {
        var writer = JSONWriter()
        writer.raw("{\"error\":")
        writer.string(message)
        writer.raw("}")
        respond(
            status, contentType: "application/json", body: ByteBuffer(bytes: writer.bytes), head: head,
            context: context,
            extraHeaders: extraHeaders)
    }

    private func respond(
        _ status: HTTPResponseStatus,
        contentType: String,
        body: ByteBuffer,
        head: HTTPRequestHead,
        context: ChannelHandlerContext,
        extraHeaders: [(String, String)] = []
    ) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        // A body we did not read to the end leaves the connection unusable.
        let keepAlive = head.isKeepAlive && !bodyTooLarge && !closeAfterAnswer
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let responseHead = HTTPResponseHead(version: head.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        answered(keepAlive: keepAlive)
        if !keepAlive {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}

extension HTTPRequestHead {
    /// Whether a body follows the head: a Transfer-Encoding, or a Content-Length other than 0.
    var announcesBody: Bool {
        headers.contains(name: "Transfer-Encoding") || headers[canonicalForm: "Content-Length"].contains { $0 != "0" }
    }
}
