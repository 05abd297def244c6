import NIOCore

/// The settings a scenario (or a test) may change, each mapped onto the flavor's policies.
extension SDKConfiguration {
    /// Android `batchPeriod` (the ticker); iOS `maxTimeBetweenTwoBatches` (every priority).
    public var batchPeriod: TimeAmount {
        get {
            switch delivery.batching {
            case .newestOfAll(_, _, let period): return period
            case .perPriority(let priorities): return priorities.first?.period ?? .seconds(10)
            }
        }
        set {
            switch delivery.batching {
            case .newestOfAll(let count, let first, _):
                delivery.batching = .newestOfAll(eventsPerBatch: count, firstTick: first, period: newValue)
            case .perPriority(let priorities):
                delivery.batching = .perPriority(
                    priorities.map {
                        var priority = $0; priority.period = newValue; return priority
                    })
            }
        }
    }

    /// Android `maxRequestAckTimeout` (the per-batch timer); iOS `maxRequestAckTimeout` (the
    /// sweep's interval and staleness).
    public var ackTimeout: TimeAmount {
        get {
            switch delivery.retry {
            case .perBatchTimer(let timeout, _): return timeout
            case .stalenessSweep(let interval, _, _, _): return interval
            }
        }
        set {
            switch delivery.retry {
            case .perBatchTimer(_, let retries):
                delivery.retry = .perBatchTimer(timeout: newValue, maxRetries: retries)
            case .stalenessSweep(_, _, let retries, let keeps):
                delivery.retry = .stalenessSweep(
                    interval: newValue, staleAfter: newValue, maxRetries: retries, keepsCountingWhileUnavailable: keeps)
            }
        }
    }

    /// `maxRetriesPerBatch` (20 on both): Android sends a batch this many times plus one, iOS
    /// writes it this many times plus two.
    public var maxRetriesPerBatch: Int {
        get {
            switch delivery.retry {
            case .perBatchTimer(_, let retries), .stalenessSweep(_, _, let retries, _): return retries
            }
        }
        set {
            switch delivery.retry {
            case .perBatchTimer(let timeout, _):
                delivery.retry = .perBatchTimer(timeout: timeout, maxRetries: newValue)
            case .stalenessSweep(let interval, let stale, _, let keeps):
                delivery.retry = .stalenessSweep(
                    interval: interval, staleAfter: stale, maxRetries: newValue, keepsCountingWhileUnavailable: keeps)
            }
        }
    }

    /// Android `eventsPerBatch`; no effect on iOS.
    public mutating func setEventsPerBatch(_ count: Int) {
        guard case .newestOfAll(_, let first, let period) = delivery.batching else { return }
        delivery.batching = .newestOfAll(eventsPerBatch: count, firstTick: first, period: period)
    }

    /// iOS `maxBatchSize` of every priority; no effect on Android.
    public mutating func setMaxBatchBytes(_ bytes: Int) {
        guard case .perPriority(let priorities) = delivery.batching else { return }
        delivery.batching = .perPriority(
            priorities.map {
                var priority = $0; priority.maxBatchBytes = bytes; return priority
            })
    }

    /// iOS: the close countdown after resign-active. Android: the lifecycle debounce, which
    /// closes the socket that long after the background and connects that long after the
    /// foreground.
    public var closeAfterBackground: TimeAmount {
        get {
            switch connection.dialing {
            case .debouncedLifecycle(let debounce, _, _, _, _): return debounce
            case .keepalive(_, let close, _): return close
            }
        }
        set {
            switch connection.dialing {
            case .debouncedLifecycle(_, let initial, let maximum, let code, let reason):
                connection.dialing = .debouncedLifecycle(
                    debounce: newValue, initialBackoff: initial, maximumBackoff: maximum, closeCode: code,
                    closeReason: reason)
            case .keepalive(let interval, _, let code):
                connection.dialing = .keepalive(interval: interval, closeAfterBackground: newValue, closeCode: code)
            }
        }
    }

    /// The background rule is on (Android re-stamp, iOS flush-all), or off (not upstream:
    /// Android never reads its `flushOnBackground`, iOS defaults it to true).
    public var flushOnBackground: Bool {
        get { delivery.background != .nothing }
        set {
            if !newValue {
                delivery.background = .nothing
            } else if delivery.background == .nothing {
                delivery.background = flavor == .android ? .restampAll : .flushAll
            }
        }
    }

    /// The reconnect schedule: Android's backoff bounds, iOS's keepalive interval.
    public mutating func setReconnect(initial: TimeAmount, maximum: TimeAmount) {
        switch connection.dialing {
        case .debouncedLifecycle(let debounce, _, _, let code, let reason):
            connection.dialing = .debouncedLifecycle(
                debounce: debounce, initialBackoff: initial, maximumBackoff: maximum, closeCode: code,
                closeReason: reason)
        case .keepalive(_, let close, let code):
            connection.dialing = .keepalive(interval: initial, closeAfterBackground: close, closeCode: code)
        }
    }

    /// iOS: keep resending while the socket is unavailable (the behaviour before
    /// clickstream-ios PR #62, which used up the retries offline). Not in 2.0.92.
    public mutating func setRetriesWhileUnavailable(_ on: Bool) {
        guard case .stalenessSweep(let interval, let stale, let retries, _) = delivery.retry else { return }
        delivery.retry = .stalenessSweep(
            interval: interval, staleAfter: stale, maxRetries: retries, keepsCountingWhileUnavailable: on)
    }
}
