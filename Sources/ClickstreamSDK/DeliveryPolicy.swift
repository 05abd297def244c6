import NIOCore

/// How a flavor batches, sends, retries and gives up: every difference between the Android and
/// iOS delivery logic the `DeliveryStateMachine` follows, as data.
public struct DeliveryPolicy: Sendable, Equatable {
    /// Which rows a batch timer cuts, and when it fires.
    public enum Batching: Sendable, Equatable {
        /// Android: one ticker for everything, first `firstTick` after the foreground, then every
        /// `period`; each tick takes up to `eventsPerBatch` of all stored rows not in flight,
        /// health rows included, newest first by event timestamp in whole seconds, equal
        /// seconds in SQLite rowid order (`CSForegroundEventScheduler.kt:196-215`,
        /// `CSEventDataDao.kt:45`).
        case newestOfAll(eventsPerBatch: Int, firstTick: TimeAmount, period: TimeAmount)
        /// iOS: one timer per priority, first one `period` after start or becoming active
        /// (`SchedulerService.swift:48-68`); the regulator cuts
        /// `maxBatchBytes / average serialized size` oldest rows of the priority, 0 taking all
        /// of it (`EventBatchSizeRegulator.swift:29-42`). Classes with no priority wait for the
        /// background flush.
        case perPriority([Priority])
    }

    public struct Priority: Sendable, Equatable {
        public var eventClass: EventClass
        /// `nil` flushes the whole priority at each tick.
        public var maxBatchBytes: Int?
        public var period: TimeAmount

        public init(_ eventClass: EventClass, maxBatchBytes: Int?, period: TimeAmount) {
            self.eventClass = eventClass
            self.maxBatchBytes = maxBatchBytes
            self.period = period
        }
    }

    /// What counts as an ack.
    public enum Acknowledgement: Sendable, Equatable {
        /// Android: `status == SUCCESS`, any code (`CSRetryableCallback.kt:107`).
        case statusSuccess
        /// iOS: `status == SUCCESS && code == OK` (`WebsocketRetryMechanism.swift:175`).
        case statusSuccessAndCodeOK
    }

    /// How unanswered batches are sent again.
    public enum Retry: Sendable, Equatable {
        /// Android (`CSRetryableCallback.kt:134-207`): each batch has its own timer, not tied to
        /// the lifecycle. No answer within `timeout` ("Batch Timeout") or an error answer resends
        /// at once with a fresh `sent_time` and the same req_guid while `retryCount <
        /// maxRetries`: `maxRetries + 1` sends. A send with no socket writes nothing and still
        /// counts. Then the rows are released for a new batch; after a timeout the batch keeps
        /// listening for a late ack.
        case perBatchTimer(timeout: TimeAmount, maxRetries: Int)
        /// iOS (`WebsocketRetryMechanism.swift:351-432`): a sweep every `interval`, started when
        /// the socket connects, resends every cached request written at least `staleAfter` ago,
        /// spaced `(interval / n) / 2`. A write of a request with `retriesMade >= maxRetries`
        /// deletes it ("Batch Dropped") and still goes out: `maxRetries + 2` writes. The sweep
        /// stops at the first check that finds the socket unavailable unless
        /// `keepsCountingWhileUnavailable` (the behaviour before clickstream-ios PR #62).
        case stalenessSweep(
            interval: TimeAmount, staleAfter: TimeAmount, maxRetries: Int, keepsCountingWhileUnavailable: Bool)
    }

    /// What happens to stored rows when the app goes to the background.
    public enum Background: Sendable, Equatable {
        /// Android: every stored row, in flight or not, gets a new req_guid and is marked in
        /// flight without being sent; the next foreground resets them (`CSBaseEventScheduler.kt:
        /// 88-109`, `CSForegroundEventScheduler.kt:219-232`). Batches of the session that ended
        /// keep retrying but their acks no longer reach the rows.
        case restampAll
        /// iOS: one batch of every stored event, at once if the socket is available, else at
        /// the next connect (`EventBatchProcessor.swift:134-176`).
        case flushAll
        /// Neither (a scenario that turns `flush_on_background` off).
        case nothing
    }

    /// What the battery below the minimum does to batches.
    public enum Battery: Sendable, Equatable {
        /// Android: read at each tick; the batch is skipped ("Batch Trigger Failed"
        /// `low_battery`) and the socket stays open (`CSBaseEventScheduler.kt:118-129`).
        case skipBatchAtTick
        /// iOS: "low" is recomputed only when the battery level or state changes and starts
        /// false (`DeviceStatusNotifier.swift:42-53,83-96`); while low, the socket is closed and
        /// nothing can be forwarded.
        case lowOnNotification
    }

    public var batching: Batching
    public var acknowledgement: Acknowledgement
    public var retry: Retry
    public var background: Background
    public var battery: Battery
    /// iOS `P0`: a row of this class is sent at once on insert (`EventWarehouser.swift:58-64`).
    public var immediateClass: EventClass?
    /// Whether a batch takes its rows out of the event table into a persisted retry cache that
    /// survives a kill with its req_guid and retry count (iOS, `EventRequest.swift:40-53`), or
    /// leaves them in the table flagged in flight while the retries live in memory and die
    /// with the app (Android).
    public var retryCacheSurvivesKill: Bool
    /// iOS: a batch, instant event or P0 goes out only when the socket is available (network
    /// reachable, connected, battery not low), checked at every forward and recording "Batch
    /// Trigger Failed" when not (`WebsocketRetryMechanism.swift:25-63`). Android checks at the
    /// tick only and writes instant events blindly (`CSNetworkRepository.kt:110-116`).
    public var checksAvailabilityOnEveryForward: Bool
    /// Android: the SDK's "socket connected" flag is updated only while the app is in front,
    /// so it stays as it was through the background and into the next foreground
    /// (`CSNetworkManager.kt:190-238`).
    public var socketFlagFrozenInBackground: Bool
    /// Android records "Batch Sent" for every write that reached the socket, retries included
    /// (`CSRetryableCallback.kt:134-147`); iOS once per batch when it is built
    /// (`WebsocketNetworkBuilder.swift:84-88`).
    public var batchSentOnEveryWrite: Bool
    /// Android: the first tick after a launch reads the Room snapshot before it loaded and
    /// sees no rows (§2.1 step 0 of the facts: "usually").
    public var firstTickAfterLaunchSeesNoRows: Bool
    /// Android: the foreground that follows a background with re-stamped rows resets every row
    /// in flight (and, after a kill, every row the dead instance had in flight).
    public var resetsInFlightRowsOnForeground: Bool
}
