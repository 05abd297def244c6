import Foundation
import NIOCore

/// What the delivery side learns of the socket, and the connection health events.
extension DeliveryStateMachine {
    /// The connection asked for a socket (the start of iOS's time to connect).
    public mutating func connectRequested(now: NIODeadline) {
        connectAskedAt = now
    }

    /// The socket opened.
    public mutating func socketOpened(now: NIODeadline, wallTime: Date, tables: inout DeliveryTables) -> [Action] {
        guard !isKilled else { return [] }
        var actions: [Action] = []
        socket = .up
        lastWrite = nil
        if observesSocket { socketFlag = true }
        if observesConnection {
            record(.connectionSuccess, timeToConnection: timeToConnect(now), actions: &actions, &tables)
        }
        startSweep(now: now, &actions, &tables)
        if flushOnConnect {
            // The deferred background flush: every stored event, even if the app is in front
            // again by now (`EventBatchProcessor.swift:195-202`).
            flushOnConnect = false
            if tables.hasWaiting, available(&actions, &tables) {
                let ids = tables.allWaiting
                forward(ids, now: now, &actions, &tables)
                record(.flushOnBackground, events: ids.count, actions: &actions, &tables)
            }
            sendHealthBatch(now: now, wallTime: wallTime, &actions, &tables)
        }
        return actions
    }

    /// The connect attempt failed.
    public mutating func connectFailed(_ failure: TransportFailure, now: NIODeadline, tables: inout DeliveryTables)
        -> [Action]
    {
        guard !isKilled else { return [] }
        var actions: [Action] = []
        socket = .down
        if observesSocket { socketFlag = false }
        if observesConnection {
            record(
                .connectionFailure, reason: Self.failureReason(failure), timeToConnection: timeToConnect(now),
                actions: &actions, &tables)
        }
        if case .stalenessSweep(_, _, _, keepsCountingWhileUnavailable: false) = policy.retry { sweep = nil }
        return actions
    }

    /// The peer closed the socket: with a close frame (`code`), or it dropped (`nil`).
    public mutating func socketClosed(code: Int?, reason: String, now: NIODeadline, tables: inout DeliveryTables)
        -> [Action]
    {
        guard !isKilled else { return [] }
        var actions: [Action] = []
        if let code {
            // Android: the close reason text (`CSNetworkManager.kt:215-224`); iOS: "Duplicate ID"
            // for any 1008 (`SocketHandler.swift:279-282`), an aggregate whose reason never
            // reaches Raccoon.
            let dropReason = connectionDrop == .down ? reason : (code == 1008 ? "Duplicate ID" : reason)
            if observesConnection { record(.connectionDropped, reason: dropReason, actions: &actions, &tables) }
            goDown(&actions)
            return actions
        }
        switch connectionDrop {
        case .down:
            if observesConnection {
                record(.connectionFailure, reason: Self.dropReason(reason), actions: &actions, &tables)
            }
            goDown(&actions)
        case .connectedUntilWriteFails:
            // `.peerClosed` only clears `isConnectionRequestOpen`: `isConnected` stays true.
            if socket != .down { socket = .upUntilWriteFails }
            dropUnansweredInstants(&actions)
        }
        return actions
    }

    /// The SDK closed or aborted its socket (the background close, a low battery, the network).
    public mutating func socketClosedBySDK(now: NIODeadline) -> [Action] {
        guard !isKilled else { return [] }
        var actions: [Action] = []
        goDown(&actions)
        return actions
    }

    /// Android `OnMessageReceived` sets the flag too (`CSNetworkManager.kt:204-209`).
    public mutating func messageReceived() {
        if observesSocket, socket != .down { socketFlag = true }
    }

    /// iOS: a write on a socket believed open failed. Starscream's `.error` goes to the last
    /// write's callback ("Connection Failure", "Write to Socket Failed", "Event Batch Error
    /// response"), then `.cancelled` clears the socket (`SocketHandler.swift:201-216`).
    mutating func socketErrored(
        batchGUID: String, count: Int, _ actions: inout [Action], _ tables: inout DeliveryTables
    ) {
        let reason = "The operation couldn’t be completed. (Clickstream.ConnectableError error 1.)"
        record(.connectionFailure, reason: reason, actions: &actions, &tables)
        record(.writeToSocketFailed, reason: reason, actions: &actions, &tables)
        record(.batchErrorResponse, reason: reason, events: count, batchGUID: batchGUID, actions: &actions, &tables)
        goDown(&actions)
        actions.append(.socketFailed)
    }

    private mutating func goDown(_ actions: inout [Action]) {
        socket = .down
        if observesSocket { socketFlag = false }
        // Before clickstream-ios PR #62 the sweep ran on, counting retries with no socket.
        if case .stalenessSweep(_, _, _, keepsCountingWhileUnavailable: false) = policy.retry { sweep = nil }
        dropUnansweredInstants(&actions)
    }

    /// An instant event can only be answered on the socket it went out on.
    private mutating func dropUnansweredInstants(_ actions: inout [Action]) {
        for write in instantWrites { actions.append(.funnel(write.refs, .dropped(reason: "instant_unacked"))) }
        instantWrites.removeAll()
    }

    /// Android's flag follows the socket only while its observer runs (the foreground).
    private var observesSocket: Bool { !policy.socketFlagFrozenInBackground || isForeground }

    private var observesConnection: Bool { !healthPolicy.connectionEventsOnlyInForeground || isForeground }

    /// Android counts from the foreground (debounce included); iOS from the connect request.
    private func timeToConnect(_ now: NIODeadline) -> TimeAmount? {
        if healthPolicy.connectionEventsOnlyInForeground, case .foreground(let foreground) = state {
            return now - foreground.since
        }
        return connectAskedAt.map { now - $0 }
    }

    /// The health reason of a failed connect, in both SDKs' words (`CSNetworkManager.kt:249-295`,
    /// `SocketHandler.swift:208`).
    static func failureReason(_ failure: TransportFailure) -> String {
        switch failure {
        case .httpStatus(401): return "401 Unauthorized"
        case .timeout: return "socket_timeout"
        default: return failure.description
        }
    }

    /// Android: a drop of an open socket is OkHttp `onFailure`: a missed pong is a
    /// `SocketTimeoutException` (`socket_timeout`), an end of stream an `EOFException`.
    static func dropReason(_ reason: String) -> String {
        if TransportEvent.isMissedPong(reason) { return "socket_timeout" }
        if reason == ConnectionEnding.closedByCollector { return "EOFException" }
        return reason
    }
}
