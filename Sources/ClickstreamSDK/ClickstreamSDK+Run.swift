import Foundation
import NIOCore
import RaccoonWire

/// Carrying out the state machines' actions, and feeding them the transport's events.
extension ClickstreamSDK {
    /// Runs the delivery machine's actions in order; a write's outcome goes back in at once.
    func run(_ actions: [DeliveryStateMachine.Action]) {
        for action in actions {
            switch action {
            case .write(let write):
                // Sent first: a transport may report a drop from inside `send`.
                let ok = send(write)
                run(delivery.written(write, ok: ok, now: now, tables: &store.tables))
            case .schedule(let id, let deadline):
                scheduler.schedule(at: deadline) { [weak self] in
                    guard let self, !self.stopped else { return }
                    self.run(
                        self.delivery.timerFired(
                            id, scheduledFor: deadline, now: self.now, wallTime: self.wallClock(self.now),
                            tables: &self.store.tables))
                }
            case .funnel(let refs, let step):
                guard let observer else { continue }
                let (types, now) = (store.tables.types, now)
                for ref in refs { observer.event(ref, types: types, step: step, at: now) }
            case .detail(let refs, let detail):
                guard let observer else { continue }
                let (types, now) = (store.tables.types, now)
                for ref in refs { observer.event(ref, types: types, detail: detail, at: now) }
            case .health(let record):
                observer?.health(record, at: now)
            case .requestConnection:
                run(connection.establish(now: now))
            case .terminateConnection:
                run(connection.terminate(now: now, label: "max_connection_limit_reached"))
                run(connection.establish(now: now))
            case .socketFailed:
                run(connection.socketFailed(now: now))
            }
        }
    }

    /// Serializes a request with a fresh `sent_time` (every send, retries included, on both
    /// flavors) and hands it to the transport.
    private func send(_ write: DeliveryStateMachine.Write) -> Bool {
        let bytes = RequestEncoder.encode(
            requestGUID: write.requestGUID, sentTime: ProtoTimestamp(date: wallClock(now)), entries: write.entries,
            tables: store.tables, source: store.payloadSource)
        return transport.send(bytes)
    }

    /// Runs the connection machine's actions, then keeps its one timer at its next wakeup.
    func run(_ actions: [ConnectionStateMachine.Action]) {
        for action in actions {
            switch action {
            case .connect(let options):
                connectStartedAt = now
                delivery.connectRequested(now: now)
                observer?.connection(.attempt, at: now)
                transport.connect(headers: headers, options: options) { [weak self] event in
                    self?.transportEvent(event)
                }
            case .close(let code, let reason, let label):
                transport.close(code: code, reason: reason)
                observer?.connection(.closed(code: nil, reason: label), at: now)
                run(delivery.socketClosedBySDK(now: now))
            case .abort(let label):
                transport.abort()
                observer?.connection(.closed(code: nil, reason: label), at: now)
                run(delivery.socketClosedBySDK(now: now))
            }
        }
        scheduleConnectionTimer()
    }

    /// Keeps one timer at the connection machine's next wakeup; an unchanged wakeup keeps its
    /// timer (cancelling is linear in the loop's timers, and this runs on every connection event).
    private func scheduleConnectionTimer() {
        let wakeup = stopped ? nil : connection.nextWakeup
        guard wakeup != connectionTimerDeadline else { return }
        if let connectionTimer { scheduler.cancel(connectionTimer) }
        connectionTimer = nil
        connectionTimerDeadline = wakeup
        guard let wakeup else { return }
        connectionTimer = scheduler.scheduleCancellable(at: wakeup) { [weak self] in
            guard let self else { return }
            self.connectionTimer = nil
            self.connectionTimerDeadline = nil
            guard !self.stopped else { return }
            self.run(self.connection.timerFired(now: self.now))
        }
    }

    func transportEvent(_ event: TransportEvent) {
        guard !stopped else { return }
        switch event {
        case .connected:
            let took = connectStartedAt.map { now - $0 } ?? .zero
            observer?.connection(.connected(timeToConnect: took), at: now)
            run(connection.connected(now: now))
            run(delivery.socketOpened(now: now, wallTime: wallClock(now), tables: &store.tables))
        case .connectFailed(let failure):
            observer?.connection(.failed(reason: failure.word, detail: failure.detail), at: now)
            run(connection.connectFailed(now: now))
            run(delivery.connectFailed(failure, now: now, tables: &store.tables))
        case .received(let buffer):
            delivery.messageReceived()
            guard let response = try? SendEventResponse(serializedBytes: Array(buffer.readableBytesView)) else {
                observer?.undecodableAnswer(bytes: buffer.readableBytes, at: now)
                return
            }
            run(delivery.answer(response, now: now, tables: &store.tables))
        case .closed(let code, let reason):
            observer?.connection(.closed(code: code, reason: reason), at: now)
            run(connection.closedByPeer(code: code, now: now))
            run(delivery.socketClosed(code: code, reason: reason, now: now, tables: &store.tables))
        }
    }
}
