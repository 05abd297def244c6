import NIOCore

/// Android: Scarlet's connection state machine under the SDK's lifecycle
/// (`Connection.kt:64-158`, `LifecycleRegistry.kt:40-53`, `LifecycleStateUtils.kt:10-28`).
extension ConnectionStateMachine {
    /// What the combined lifecycle asks for.
    enum Desired: Equatable {
        /// The debounced app state has not passed yet: `combineLatest` has emitted nothing.
        case nothing
        case start
        /// `Stopped.WithReason(1000, "App is paused")`.
        case stop
        /// `Stopped.AndAborted`: connectivity lost (it wins the combine).
        case abort
    }

    var desired: Desired {
        guard conditions.networkReachable else { return .abort }
        switch debounced {
        case .none: return .nothing
        case .some(true): return .start
        case .some(false): return .stop
        }
    }

    /// Scarlet asks for the lifecycle state whenever it enters `Disconnected`, `WaitingToRetry`
    /// or `Connected`; it does not while `Connecting`, so a change during a connect is taken
    /// once the connect resolves.
    mutating func applyLifecycle(now: NIODeadline) -> [Action] {
        guard case .debouncedLifecycle(_, _, _, let closeCode, let closeReason) = policy.dialing else { return [] }
        switch (state, desired) {
        case (.disconnected(retryAt: nil, _, _), .start):
            state = .connecting(since: now, retries: 0)
            return [.connect(options)]
        case (.disconnected(retryAt: .some, _, _), .stop), (.disconnected(retryAt: .some, _, _), .abort):
            state = .idle
            return []
        case (.connected, .stop):
            state = .idle
            return [.close(code: closeCode, reason: closeReason, label: closeReason)]
        case (.connected, .abort):
            state = .idle
            return [
                policy.networkLoss == .abort
                    ? .abort(label: "network_unavailable")
                    : .close(
                        code: closeCode, reason: "", label: "network_unavailable")
            ]
        default:
            return []
        }
    }

    mutating func lifecycleTimerFired(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        if let pending, now >= pending.at {
            self.pending = nil
            // `distinctUntilChanged` after the debounce: a state equal to the last one passes nothing.
            if pending.foreground != debounced {
                debounced = pending.foreground
                actions += applyLifecycle(now: now)
            }
        }
        if case .disconnected(retryAt: let retryAt?, let retries, _) = state, now >= retryAt {
            state = .connecting(since: now, retries: retries + 1)
            actions.append(.connect(options))
        }
        return actions
    }
}
