import NIOCore

/// Where an event is in the SDK's funnel.
public enum FunnelStep: Equatable, Sendable {
    /// The app handed the event over.
    case generated
    /// The sampler left it out (iOS sampler `overrides`; remote config `samplingRates`).
    case sampledOut
    /// Lost for good, with a reason: `drop_list`, `store_full` (knobs, not in the upstream
    /// SDKs), `socket_not_open` (an instant event with no usable socket), `instant_unacked` (an
    /// instant event whose socket closed before its answer), `retries_exhausted` (iOS "Batch
    /// Dropped"), `app_killed` (an instant event unanswered when the app was killed).
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

/// Steps that move no event to or from a terminal state, so the funnel's books
/// (`generated = sampled_out + dropped + acked + pending`) do not need them; they explain where
/// duplicates at the collector come from.
public enum FunnelDetail: Equatable, Sendable {
    /// Android background rule: the row was re-stamped under a new req_guid and marked in flight
    /// without being sent (`CSBaseEventScheduler.kt:88-109`). `previous` is the batch it was in
    /// flight with, if any; `wasSent` says whether the row had been written before, so that
    /// its next send may reach the collector a second time.
    case restamped(requestGUID: String, previous: String?, wasSent: Bool)
    /// Android, next foreground: the re-stamped (or killed-in-flight) row is eligible again
    /// (`CSForegroundEventScheduler.kt:219-232`); it goes out under a new req_guid.
    case reset(requestGUID: String)
    /// An answer for a batch whose rows no longer listen for it (Android: a batch of an earlier
    /// foreground session; iOS: a request already answered): the collector has the events, the
    /// SDK keeps them and sends them again.
    case answerIgnored(requestGUID: String)
}

/// What happened to the SDK's connection.
public enum ConnectionStep: Equatable, Sendable {
    case attempt
    case connected(timeToConnect: TimeAmount)
    /// The attempt failed: `reason` is the failure's word (`TransportFailure.word`), `detail`
    /// what the system said.
    case failed(reason: String, detail: String? = nil)
    /// The connection ended: `code` from the server's close frame, `nil` for a drop or a close
    /// the SDK itself made (with its reason: `App is paused`, `low_battery`,
    /// `network_unavailable`, `app_killed`, ...).
    case closed(code: Int?, reason: String)
}

/// Receives every funnel transition of every event and every connection event, with its time,
/// on the device's event loop. The harness builds its accounting from it; it must be cheap.
public protocol SDKObserver: AnyObject {
    /// `intendedAt` is when the app meant the event to happen (coordinated-omission-free latency).
    func event(guid: String, type: String, step: FunnelStep, intendedAt: NIODeadline, at: NIODeadline)
    /// A non-terminal step that explains duplicates (see `FunnelDetail`).
    func event(guid: String, type: String, detail: FunnelDetail, intendedAt: NIODeadline, at: NIODeadline)
    func connection(_ step: ConnectionStep, at: NIODeadline)
    /// A message from the collector that is not a `SendEventResponse` (the SDKs drop it): counted,
    /// since a target that answers with garbage must show.
    func undecodableAnswer(bytes: Int, at: NIODeadline)
    /// A health event the SDK recorded, by ClickSwarm's short name (`HealthEventName.shortName`:
    /// "Batch Trigger Failed") and reason.
    func health(name: String, reason: String?, at: NIODeadline)
    /// A health event the SDK recorded, with the flavor's exact upstream name
    /// ("Clickstream Event Batch Trigger Failed"). The default tells `health(name:reason:at:)`.
    func health(_ record: HealthRecord, at: NIODeadline)
    /// A step of one event by its ref (`types` names its type): how the SDK reports every step.
    /// The default tells `event(guid:type:step:intendedAt:at:)`; an observer that counts by
    /// type index and guid number skips the strings.
    func event(_ ref: EventRef, types: EventTypeTable, step: FunnelStep, at: NIODeadline)
    /// A detail of one event by its ref; the default tells `event(guid:type:detail:intendedAt:at:)`.
    func event(_ ref: EventRef, types: EventTypeTable, detail: FunnelDetail, at: NIODeadline)
}

extension SDKObserver {
    public func event(guid: String, type: String, detail: FunnelDetail, intendedAt: NIODeadline, at: NIODeadline) {}
    public func connection(_ step: ConnectionStep, at: NIODeadline) {}
    public func undecodableAnswer(bytes: Int, at: NIODeadline) {}
    public func health(name: String, reason: String?, at: NIODeadline) {}
    public func health(_ record: HealthRecord, at: NIODeadline) {
        health(name: record.event.shortName, reason: record.reason, at: at)
    }
    public func event(_ ref: EventRef, types: EventTypeTable, step: FunnelStep, at: NIODeadline) {
        event(guid: ref.guid, type: types[ref.typeIndex], step: step, intendedAt: ref.intendedAt, at: at)
    }
    public func event(_ ref: EventRef, types: EventTypeTable, detail: FunnelDetail, at: NIODeadline) {
        event(guid: ref.guid, type: types[ref.typeIndex], detail: detail, intendedAt: ref.intendedAt, at: at)
    }
}
