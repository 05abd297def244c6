import ClickstreamSDK
import NIOCore

/// One connection attempt of a transport. Each attempt has its own id, so late callbacks from an
/// old channel find nothing to do.
struct TransportAttempt<Pipeline> {
    var id: UInt64
    /// The transport's own handler in the channel's pipeline.
    var pipeline: Pipeline
    /// The connect deadline; `nil` once open.
    var timer: Scheduled<Void>?
    /// Known once the connector delivered it.
    var channel: (any Channel)?

    /// Stops the deadline and closes the channel, if there is one.
    func abandon() {
        timer?.cancel()
        channel?.close(promise: nil)
    }
}

/// Where a transport is: at most one attempt at a time, connecting or open.
enum TransportState<Pipeline> {
    case idle
    case connecting(TransportAttempt<Pipeline>)
    case open(TransportAttempt<Pipeline>)

    var isOpen: Bool {
        if case .open = self { return true }
        return false
    }
}
