import NIOCore
import NIOHTTP1
import NIOWebSocket
import SwarmPrimitives

/// Read timeouts and protocol errors: a slowloris client, a `Content-Length` that never comes,
/// or a malformed request no longer holds a socket forever.
extension HTTPRequestHandler {
    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { startTimeouts(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if timeouts == nil { startTimeouts(context: context) }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // After a WebSocket upgrade: the session has its own keepalive.
        stopTimeouts()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimeouts()
        context.fireChannelInactive()
    }

    /// NIO's `HTTPServerProtocolErrorHandler` has answered a malformed request `400` with
    /// `Connection: close`; close it then (it used to stay open for good).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A refused WebSocket upgrade (a handshake with a body, or at another path): NIO's upgrade
        // handler passes the request on, and `route` answers it 400 or 404 with the reason. Closing
        // here would cut that answer off.
        if error is NIOWebSocketUpgradeError {
            context.fireErrorCaught(error)
            return
        }
        // The decoder also reports the cut request of a connection we are closing (a timeout):
        // that is not the client's malformed request, so it is not counted.
        if error is HTTPParserError, !protocolErrorSeen, timeouts?.phase != .done {
            protocolErrorSeen = true
            shared.shard(for: context.eventLoop).value.protection.httpProtocolErrors += 1
            shared.logger.debug("closing a connection after a malformed request", metadata: ["error": "\(error)"])
        }
        stopTimeouts()
        context.close(promise: nil)
    }

    private func startTimeouts(context: ChannelHandlerContext) {
        let configuration = shared.configuration
        timeouts = RequestTimeoutStateMachine(
            now: context.eventLoop.now, headTimeout: .clamped(seconds: configuration.requestHeadTimeout),
            bodyTimeout: .clamped(seconds: configuration.requestBodyTimeout))
        rescheduleTimeout()
    }

    func stopTimeouts() {
        timeouts?.stop()
        timeoutTimer?.cancel()
        timeoutTimer = nil
    }

    func requestHeadArrived() {
        guard let context else { return }
        timeouts?.headReceived(now: context.eventLoop.now)
        rescheduleTimeout()
    }

    func requestEnded() {
        timeouts?.requestEnded()
        rescheduleTimeout()
    }

    func answered(keepAlive: Bool) {
        guard let context else { return }
        timeouts?.answered(now: context.eventLoop.now, keepAlive: keepAlive)
        rescheduleTimeout()
    }

    private func rescheduleTimeout() {
        timeoutTimer?.cancel()
        timeoutTimer = nil
        guard let context, let deadline = timeouts?.deadline else { return }
        timeoutTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timeoutFired()
        }
    }

    private func timeoutFired() {
        guard let context, context.channel.isActive else { return }
        let protection = shared.shard(for: context.eventLoop)
        switch timeouts?.timerFired(now: context.eventLoop.now) {
        case .head:
            protection.value.protection.requestHeadTimeouts += 1
            shared.logger.debug("closing a connection whose request head did not arrive in time")
            // No request is in flight, so there is nothing to answer.
            context.close(promise: nil)
        case .body:
            protection.value.protection.requestBodyTimeouts += 1
            shared.logger.debug("answering 408 to a request whose body did not arrive in time")
            guard let head = currentHead else {
                context.close(promise: nil)
                return
            }
            closeAfterAnswer = true
            let seconds = Distribution.formatDuration(shared.configuration.requestBodyTimeout)
            respondError(
                .requestTimeout, "the request body did not arrive within \(seconds) of its head", head: head,
                context: context)
        case nil:
            rescheduleTimeout()
        }
    }
}
