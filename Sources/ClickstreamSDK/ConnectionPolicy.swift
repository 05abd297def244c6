import NIOCore

/// When a flavor opens, keeps and closes its socket: every difference the
/// `ConnectionStateMachine` follows, as data.
public struct ConnectionPolicy: Sendable, Equatable {
    /// What decides to dial.
    public enum Dialing: Sendable, Equatable {
        /// Android (Scarlet 0.1.10 with the SDK's lifecycle, `DefaultCServiceLocator.kt:98-104`):
        /// the app lifecycle passes a true debounce of `debounce` (a state counts once it held
        /// that long), combined with connectivity, which is not debounced. Failed connects wait
        /// `min(maximum, initial × 2^n)` with no jitter; a drop after an open waits `initial`.
        /// A background longer than the debounce closes the socket with `closeCode`
        /// `closeReason`.
        case debouncedLifecycle(
            debounce: TimeAmount, initialBackoff: TimeAmount, maximumBackoff: TimeAmount, closeCode: Int,
            closeReason: String)
        /// iOS (`WebsocketRetryMechanism.swift:81-147`): connect at once when no connection
        /// object exists; a keepalive tick every `interval` × the network factor (fixed at
        /// init) redials whenever the network is reachable, the socket not connected and the
        /// battery not low, abandoning a connect still in progress. Resign-active suspends the
        /// keepalive and starts a `closeAfterBackground` countdown to a close with `closeCode`.
        case keepalive(interval: TimeAmount, closeAfterBackground: TimeAmount, closeCode: Int)
    }

    /// What a lost network does to an open socket.
    public enum NetworkLoss: Sendable, Equatable {
        /// Android: `webSocket.cancel()`, no close frame (`CSConnectivityOnLifecycle.kt:46-54`).
        case abort
        /// iOS: `terminateConnection()`, a close frame 1000 (`WebsocketRetryMechanism.swift:110-113`).
        case close
    }

    /// What a drop without a close frame means to the SDK.
    public enum Drop: Sendable, Equatable {
        /// Android: OkHttp `onFailure`, the socket is down at once.
        case down
        /// iOS: Starscream `.peerClosed` leaves `isConnected` true until a write fails
        /// (`SocketHandler.swift:213-233`).
        case connectedUntilWriteFails
    }

    public var dialing: Dialing
    public var networkLoss: NetworkLoss
    public var drop: Drop
    /// iOS closes the socket while the battery is low (the delivery policy says when "low" is
    /// known); Android keeps it.
    public var closesOnLowBattery: Bool
    /// Android: the app's OkHttp client (5 s in the sample app); iOS: the URLRequest default,
    /// 60 s, in effect the keepalive period.
    public var connectTimeout: TimeAmount
    /// Android: the sample app's `pingInterval(1 s)`; iOS sends none.
    public var ping: PingPolicy?
}
