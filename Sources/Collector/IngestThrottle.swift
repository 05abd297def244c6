import NIOConcurrencyHelpers
import NIOCore

/// The collector's ingest limit (`max_events_per_second`), shared by every event loop: one token
/// bucket of events behind a lock, so the limit holds for the whole collector whatever the
/// thread count and however the connections spread over the loops. Only a throttled collector
/// has one, and it is touched once per read and per wake-up, never per event.
package final class IngestThrottle: Sendable {
    package let ratePerSecond: Double
    private let bucket: NIOLockedValueBox<TokenBucket>

    package init(ratePerSecond: Double) {
        self.ratePerSecond = ratePerSecond
        bucket = NIOLockedValueBox(TokenBucket(ratePerSecond: ratePerSecond))
    }

    /// Charges the events `shard` accounted since its last charge and says whether its loop may
    /// read at `now` (nil) or when the bucket opens again.
    func charge(_ shard: CollectorShard, now: NIODeadline) -> NIODeadline? {
        let accounted = shard.core.ledger.eventsAccounted
        let events = accounted &- shard.throttleCharged
        shard.throttleCharged = accounted
        return bucket.withLockedValue { $0.admit(taking: events, now: now) }
    }
}
