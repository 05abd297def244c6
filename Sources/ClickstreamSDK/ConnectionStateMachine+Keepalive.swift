import NIOCore

/// iOS: `WebsocketRetryMechanism` and its keepalive (`WebsocketRetryMechanism.swift:81-147,
/// 276-345`; `KeepAliveService.swift:22-84`; `WebsocketNetworkService.swift:41-88`).
extension ConnectionStateMachine {
    /// `establishConnection()`: nothing if connected or unreachable; nothing either while a
    /// connection object exists (`initiateWebsocketConnection` returns early, `:43`).
    public mutating func establish(now: NIODeadline) -> [Action] {
        guard case .keepalive = policy.dialing, started, !killed, conditions.networkReachable else { return [] }
        guard case .disconnected(_, _, lingering: false) = state else { return [] }
        state = .connecting(since: now, retries: 0)
        rearmKeepalive(now: now)
        return [.connect(options)]
    }

    /// `terminateConnection()`: a close frame 1000 with no reason; the connection object stays.
    public mutating func terminate(now: NIODeadline, label: String) -> [Action] {
        guard case .keepalive(_, _, let closeCode) = policy.dialing, !killed else { return [] }
        let actions: [Action]
        switch state {
        case .connected, .connecting:
            actions = [.close(code: closeCode, reason: "", label: label)]
            state = .disconnected(retryAt: nil, retries: 0, lingering: true)
        case .disconnected:
            actions = []
        }
        rearmKeepalive(now: now)
        return actions
    }

    /// A write failed on a socket believed open: `.error`, then `.cancelled` flushes the
    /// connection object.
    public mutating func socketFailed(now: NIODeadline) -> [Action] {
        guard case .connected = state else { return [] }
        state = .idle
        rearmKeepalive(now: now)
        return []
    }

    mutating func keepaliveConditionsChanged(old: DeviceConditions, lowChanged: Bool, now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        if old.foreground, !conditions.foreground {
            resignActive(now: now)
        } else if !old.foreground, conditions.foreground {
            actions += becomeActive(now: now)
        }
        if old.networkReachable, !conditions.networkReachable {
            actions += policy.networkLoss == .close ? terminate(now: now, label: "network_unavailable") : abortSocket()
        } else if !old.networkReachable, conditions.networkReachable {
            actions += establish(now: now)
        }
        if lowChanged, policy.closesOnLowBattery {
            // `observeDeviceStatus()` (`:120-133`).
            if battery.low, isConnected {
                actions += terminate(now: now, label: "low_battery")
            } else if !battery.low, !isConnected {
                actions += establish(now: now)
            }
        }
        rearmKeepalive(now: now)
        return actions
    }

    private mutating func abortSocket() -> [Action] {
        switch state {
        case .connected, .connecting:
            state = .idle
            return [.abort(label: "network_unavailable")]
        case .disconnected:
            return []
        }
    }

    /// `willResignActive`: the keepalive is suspended and the close countdown starts.
    mutating func resignActive(now: NIODeadline) {
        guard case .keepalive(_, let closeAfter, _) = policy.dialing else { return }
        keepalive?.suspendedSince = now
        keepalive?.armedAt = nil
        if closeAt == nil { closeAt = now + closeAfter }
    }

    /// `didBecomeActive`: the countdown is cancelled, the keepalive resumed (a suspended
    /// dispatch timer whose deadline passed fires at once), and a connection is asked for.
    private mutating func becomeActive(now: NIODeadline) -> [Action] {
        closeAt = nil
        var missed = false
        if let since = keepalive?.suspendedSince, let phase = keepalive?.phase(after: since) {
            missed = phase <= now
        }
        keepalive?.suspendedSince = nil
        var actions = establish(now: now)
        // The missed tick and `establishConnection` race; one connect comes of them.
        if missed, actions.isEmpty { actions += keepaliveTick(now: now) }
        return actions
    }

    mutating func keepaliveTimerFired(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        if let closeAt, now >= closeAt {
            self.closeAt = nil
            actions += terminate(now: now, label: "App is paused")
        }
        if let armedAt = keepalive?.armedAt, now >= armedAt {
            keepalive?.armedAt = nil
            actions += keepaliveTick(now: now)
        }
        rearmKeepalive(now: now)
        return actions
    }

    /// One keepalive tick: `flushConnectable()` then `establishConnection()` (`:135-147`),
    /// abandoning a connect still pending.
    private mutating func keepaliveTick(now: NIODeadline) -> [Action] {
        guard conditions.networkReachable, !isConnected, !battery.low else { return [] }
        state = .connecting(since: now, retries: 0)
        return [.connect(options)]
    }

    /// Arms the keepalive at its next phase point while a tick would act, disarms it otherwise.
    mutating func rearmKeepalive(now: NIODeadline) {
        guard var keepalive else { return }
        let acts = keepalive.suspendedSince == nil && conditions.networkReachable && !isConnected && !battery.low
        if !acts {
            keepalive.armedAt = nil
        } else if keepalive.armedAt == nil || keepalive.armedAt! <= now {
            keepalive.armedAt = keepalive.phase(after: now)
        }
        self.keepalive = keepalive
    }
}
