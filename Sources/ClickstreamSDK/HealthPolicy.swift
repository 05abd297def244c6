import NIOCore

/// Every health event either SDK can record. Which ones a flavor emits, under which exact name
/// and whether one at a time (instant) or aggregated per name, is its `HealthPolicy`.
public enum HealthEventName: String, Sendable, Hashable, CaseIterable, Codable {
    case eventReceived
    case eventReceivedForDropRate
    case eventCached
    case batchCreated
    case batchSent
    case batchSuccessAck
    case batchTimeout
    case batchRetryFailed
    case batchTriggerFailed
    case writeToSocketFailed
    case batchErrorResponse
    case batchDropped
    case flushOnBackground
    case flushOnForeground
    case connectionAttempt
    case connectionSuccess
    case connectionFailure
    case connectionDropped

    /// Its place in `allCases` (array indexes instead of hashing).
    public var ordinal: Int {
        switch self {
        case .eventReceived: return 0
        case .eventReceivedForDropRate: return 1
        case .eventCached: return 2
        case .batchCreated: return 3
        case .batchSent: return 4
        case .batchSuccessAck: return 5
        case .batchTimeout: return 6
        case .batchRetryFailed: return 7
        case .batchTriggerFailed: return 8
        case .writeToSocketFailed: return 9
        case .batchErrorResponse: return 10
        case .batchDropped: return 11
        case .flushOnBackground: return 12
        case .flushOnForeground: return 13
        case .connectionAttempt: return 14
        case .connectionSuccess: return 15
        case .connectionFailure: return 16
        case .connectionDropped: return 17
        }
    }

    /// ClickSwarm's own name for it, the same for both flavors (report keys, notes).
    public var shortName: String {
        switch self {
        case .eventReceived: return "Event Received"
        case .eventReceivedForDropRate: return "Event Received For Drop Rate"
        case .eventCached: return "Event Cached"
        case .batchCreated: return "Event Batch Created"
        case .batchSent: return "Batch Sent"
        case .batchSuccessAck: return "Event Batch Success Ack"
        case .batchTimeout: return "Batch Timeout"
        case .batchRetryFailed: return "Batch Retry Failed"
        case .batchTriggerFailed: return "Batch Trigger Failed"
        case .writeToSocketFailed: return "Write to Socket Failed"
        case .batchErrorResponse: return "Batch Error Response"
        case .batchDropped: return "Batch Dropped"
        case .flushOnBackground: return "Flush On Background"
        case .flushOnForeground: return "Flush On Foreground"
        case .connectionAttempt: return "Connection Attempt"
        case .connectionSuccess: return "Connection Success"
        case .connectionFailure: return "Connection Failure"
        case .connectionDropped: return "Connection Dropped"
        }
    }
}

/// How a flavor tracks its own health (`../shared/spec/clickstream-sdk.md`, Health events).
public struct HealthPolicy: Sendable, Equatable {
    /// When the health rows reach the collector.
    public enum Delivery: Sendable, Equatable {
        /// Android: built at background into event rows, in flight and unsent; the next
        /// foreground resets them and the ticker sends them inside normal batches
        /// (`CSBackgroundEventScheduler.kt:146-163`).
        case rowsAtBackground
        /// iOS: one separate batch right after the background flush, only if the socket is
        /// available (`EventBatchProcessor.swift:218-224`).
        case batchAtBackgroundIfAvailable
    }

    /// How one name is kept: one Health proto per occurrence, or one per name.
    public enum Kind: Sendable, Equatable {
        case instant
        case aggregate
    }

    public struct Entry: Sendable, Equatable {
        /// The exact upstream string.
        public var name: String
        public var kind: Kind
    }

    /// ClickSwarm's switch (default on). Upstream, Android's default gateway is a no-op
    /// (`config/CSConfiguration.kt:196-198`) and iOS tracks only in debug mode
    /// (`Tracker.swift:96-97`): a scenario that wants the upstream default turns it off.
    public var enabled: Bool
    /// The names this flavor emits; a name missing here is never recorded.
    public var names: [HealthEventName: Entry] {
        didSet { entries = Self.byOrdinal(names) }
    }
    /// `names` by `HealthEventName.ordinal`: Android records two of them for every event, so the
    /// lookup is an array read, not a hash.
    public private(set) var entries: [Entry?]
    public var delivery: Delivery
    /// Android: connection health is recorded only while the app is in front, the socket
    /// observer being cancelled at `onStop` (`CSNetworkManager.kt:120-128`).
    public var connectionEventsOnlyInForeground: Bool
    /// Android: a batch whose first row is a health row records no batch health
    /// (`CSBaseEventScheduler.kt:283`, `CSRetryableCallback.kt:319`); iOS has the same rule for
    /// its internal batches (`WebsocketRetryMechanism.swift:183`).
    public var quietForHealthBatches: Bool

    public init(
        enabled: Bool, names: [HealthEventName: Entry], delivery: Delivery, connectionEventsOnlyInForeground: Bool,
        quietForHealthBatches: Bool
    ) {
        self.enabled = enabled
        self.names = names
        self.entries = Self.byOrdinal(names)
        self.delivery = delivery
        self.connectionEventsOnlyInForeground = connectionEventsOnlyInForeground
        self.quietForHealthBatches = quietForHealthBatches
    }

    private static func byOrdinal(_ names: [HealthEventName: Entry]) -> [Entry?] {
        HealthEventName.allCases.map { names[$0] }
    }

    /// The Android names: `clickstream-health-metrics-api/.../CSEventNamesConstant.kt:15-132`.
    public static let android = HealthPolicy(
        enabled: true,
        names: [
            .connectionDropped: Entry(name: "Clickstream Connection Dropped", kind: .instant),
            .connectionAttempt: Entry(name: "Clickstream Connection Attempt", kind: .instant),
            .connectionSuccess: Entry(name: "Clickstream Connection Success", kind: .instant),
            .connectionFailure: Entry(name: "Clickstream Connection Failure", kind: .instant),
            .batchTimeout: Entry(name: "Clickstream Event Batch Timeout", kind: .instant),
            .writeToSocketFailed: Entry(name: "ClickStream Write to Socket Failed", kind: .instant),
            .batchTriggerFailed: Entry(name: "Clickstream Event Batch Trigger Failed", kind: .instant),
            .batchErrorResponse: Entry(name: "Clickstream Event Batch Error response", kind: .instant),
            .eventReceivedForDropRate: Entry(name: "Clickstream Event Received For Drop Rate", kind: .aggregate),
            .eventReceived: Entry(name: "Clickstream Event Received", kind: .aggregate),
            .eventCached: Entry(name: "Clickstream Event Cached", kind: .aggregate),
            .batchCreated: Entry(name: "Clickstream Event Batch Created", kind: .aggregate),
            .batchSent: Entry(name: "ClickStream Batch Sent", kind: .aggregate),
            .batchSuccessAck: Entry(name: "Clickstream Event Batch Success Ack", kind: .aggregate),
            .flushOnBackground: Entry(name: "ClickStream Flush On Background", kind: .aggregate),
        ],
        delivery: .rowsAtBackground, connectionEventsOnlyInForeground: true, quietForHealthBatches: true)

    /// The iOS names: `Sources/Tracker/Utilities/TrackerConstants.swift:20-36`, instant when in
    /// `TrackerConstant.InstantEvents` (`:114`). Never emitted: Event Received, Connection
    /// Attempt, Connection Success (declared, no call site), Batch Timeout.
    public static let ios = HealthPolicy(
        enabled: true,
        names: [
            .eventCached: Entry(name: "Clickstream Event Cached", kind: .aggregate),
            .batchCreated: Entry(name: "Clickstream Event Batch Created", kind: .aggregate),
            .batchSent: Entry(name: "Clickstream Batch Sent", kind: .aggregate),
            .batchSuccessAck: Entry(name: "Clickstream Event Batch Success Ack", kind: .aggregate),
            .batchRetryFailed: Entry(name: "Clickstream Event Batch Retry Failed", kind: .aggregate),
            .flushOnBackground: Entry(name: "Clickstream Flush On Background", kind: .aggregate),
            .flushOnForeground: Entry(name: "Clickstream Flush On Foreground", kind: .aggregate),
            .batchTriggerFailed: Entry(name: "Clickstream Event Batch Trigger Failed", kind: .instant),
            .writeToSocketFailed: Entry(name: "Clickstream Write to Socket Failed", kind: .instant),
            .batchErrorResponse: Entry(name: "Clickstream Event Batch Error response", kind: .instant),
            .batchDropped: Entry(name: "Clickstream Event Batch Dropped", kind: .instant),
            .connectionFailure: Entry(name: "Clickstream Connection Failure", kind: .instant),
            .connectionDropped: Entry(name: "Clickstream Connection Dropped", kind: .aggregate),
        ],
        delivery: .batchAtBackgroundIfAvailable, connectionEventsOnlyInForeground: false,
        quietForHealthBatches: true)
}

/// One health event as recorded.
public struct HealthRecord: Sendable, Equatable {
    public var event: HealthEventName
    /// The flavor's exact name.
    public var name: String
    public var kind: HealthPolicy.Kind
    public var reason: String?
    /// How many events it concerns (Batch Sent: the batch's size).
    public var events: UInt64
    /// How many batches it concerns (0 or 1).
    public var batches: UInt64
    public var batchGUID: String?
    /// Connection Success / Failure: since the connect was asked for (Android: since the
    /// foreground, debounce included).
    public var timeToConnection: TimeAmount?

    public init(
        event: HealthEventName, name: String, kind: HealthPolicy.Kind, reason: String? = nil, events: UInt64 = 0,
        batches: UInt64 = 0, batchGUID: String? = nil, timeToConnection: TimeAmount? = nil
    ) {
        self.event = event
        self.name = name
        self.kind = kind
        self.reason = reason
        self.events = events
        self.batches = batches
        self.batchGUID = batchGUID
        self.timeToConnection = timeToConnection
    }
}
