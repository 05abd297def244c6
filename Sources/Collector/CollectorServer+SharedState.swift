import Logging
import NIOConcurrencyHelpers
import NIOCore

extension CollectorServer {
    /// State every connection may reach; each piece says how it is kept safe.
    final class SharedState: Sendable {
        let configuration: CollectorConfiguration
        /// Touched on connect and close only, never per batch.
        let table: NIOLockedValueBox<ConnectionTable>
        /// The faults in force, for readers off the event loops; each shard keeps its own copy.
        let faults: NIOLockedValueBox<FaultSettings>
        /// Failed accepts and their episodes; touched only when accept fails or after a failure.
        let accepts = NIOLockedValueBox(AcceptEpisodes())
        /// One per event loop, keyed by the loop's identity.
        let shards: [ObjectIdentifier: NIOLoopBoundBox<CollectorShard>]
        let sink: (any EventSink)?
        /// The ingest limit (`maxEventsPerSecond`), shared by every loop; nil without one.
        let throttle: IngestThrottle?
        /// Where delivered events are published, with `configuration.kafka`; thread-safe.
        let publisher: KafkaEventPublisher?
        let started: NIODeadline
        let logger: Logger
        /// What the operator should hear about; may be called on any thread.
        let notices: @Sendable (CollectorNotice) -> Void

        init(
            configuration: CollectorConfiguration,
            shards: [ObjectIdentifier: NIOLoopBoundBox<CollectorShard>],
            sink: (any EventSink)?,
            publisher: KafkaEventPublisher? = nil,
            logger: Logger,
            notices: @escaping @Sendable (CollectorNotice) -> Void = { _ in }
        ) {
            self.configuration = configuration
            self.table = NIOLockedValueBox(ConnectionTable(maxConnections: configuration.maxConnections))
            self.faults = NIOLockedValueBox(configuration.faults)
            self.shards = shards
            self.sink = sink
            self.throttle = configuration.maxEventsPerSecond.map { IngestThrottle(ratePerSecond: $0) }
            self.publisher = publisher
            self.started = .now()
            self.logger = logger
            self.notices = notices
        }

        func shard(for loop: any EventLoop) -> NIOLoopBoundBox<CollectorShard> {
            // Every loop of the group got a shard at start, and channels only run on those loops.
            shards[ObjectIdentifier(loop)]!
        }

        func counters() -> EventLoopFuture<CollectorCounters> {
            let loops = Array(shards.values)
            let futures = loops.map { box in
                box.eventLoop.submit {
                    var snapshot = box.value.core.snapshot
                    snapshot.protection = box.value.protection
                    return snapshot
                }
            }
            return EventLoopFuture.whenAllSucceed(futures, on: loops[0].eventLoop).map { parts in
                var merged = CollectorCounters(ledger: DeliveryLedger(maxTypes: self.configuration.maxEventTypes))
                for part in parts { merged.merge(part) }
                merged.protection.acceptErrors = self.accepts.withLockedValue { $0.failures }
                return merged
            }
        }

        func stats() -> EventLoopFuture<CollectorStats> {
            counters().map { counters in
                CollectorStats(
                    uptime: Double((NIODeadline.now() - self.started).nanoseconds) / 1e9,
                    ackMode: self.configuration.ackMode,
                    table: self.table.withLockedValue { $0 },
                    counters: counters,
                    faults: self.faults.withLockedValue { $0 },
                    sink: self.sink?.status, maxEventsPerSecond: self.configuration.maxEventsPerSecond,
                    kafka: self.publisher.map { KafkaPublishStats(settings: $0.settings, counters: $0.figures) })
            }
        }

        func setFaults(_ faults: FaultSettings) -> EventLoopFuture<Void> {
            self.faults.withLockedValue { $0 = faults }
            let futures = shards.values.map { box in box.eventLoop.submit { box.value.apply(faults) } }
            return EventLoopFuture.andAllSucceed(futures, on: futures[0].eventLoop)
        }
    }
}
