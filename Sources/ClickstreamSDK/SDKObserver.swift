import NIOCore

/// Where an event is in the SDK's funnel.
public enum FunnelStep: Equatable, Sendable {
    /// The app handed the event over.
    case generated
    /// The sampler left it out (remote config `samplingRates`).
    case sampledOut
    /// Lost for good, with a reason: `drop_list`, `store_full`, `socket_not_open` (an instant
    /// event with no socket), `instant_unacked`, `retries_exhausted` (iOS "Batch Dropped"),
    /// `app_killed` (an instant event in flight when the app was killed).
    case dropped(reason: String)
    case stored
    case batched(requestGUID: String)
    /// Written to the socket; the first send is attempt 1.
    case sent(requestGUID: String, attempt: Int)
    case acked(requestGUID: String)
    /// The collector answered the batch with an error code.
    case errorAnswer(requestGUID: String, code: Int)
    /// No answer within the ack timeout.
    case timedOut(requestGUID: String)
    /// Android: the batch used up its retries; the rows go out later in a new batch.
    case released(requestGUID: String)
}

/// What happened to the SDK's connection.
public enum ConnectionStep: Equatable, Sendable {
    case attempt
    case connected(timeToConnect: TimeAmount)
    case failed(reason: String)
    /// The connection ended: `code` from the server's close frame, `nil` for a drop or a close
    /// the SDK itself made (with its reason).
    case closed(code: Int?, reason: String)
}

/// Receives every funnel transition of every event and every connection event, with its time,
/// on the device's event loop. The harness builds its accounting from it; it must be cheap.
public protocol SDKObserver: AnyObject {
    /// `intendedAt` is when the app meant the event to happen (coordinated-omission-free latency).
    func event(guid: String, type: String, step: FunnelStep, intendedAt: NIODeadline, at: NIODeadline)
    func connection(_ step: ConnectionStep, at: NIODeadline)
    /// A health event the SDK recorded (its own funnel), by name and reason.
    func health(name: String, reason: String?, at: NIODeadline)
}

extension SDKObserver {
    public func connection(_ step: ConnectionStep, at: NIODeadline) {}
    public func health(name: String, reason: String?, at: NIODeadline) {}
}
