import NIOCore
import RaccoonWire

extension CollectorServer.SharedState {
    /// Publishes a decided batch to Kafka and, on `loop` once every event has its report,
    /// accounts it in `shard`'s core and hands the settlement to `then` (which writes the
    /// after-publish answer and tells the connection's de-duplication what to forget).
    /// Runs on `loop`, the connection's, which owns `shard`.
    func publish(
        _ batch: KafkaBatch, shard: CollectorShard, loop: any EventLoop,
        then: @escaping (KafkaSettlement) -> Void
    ) {
        loop.preconditionInEventLoop()
        let outcome: EventLoopFuture<PublishOutcome>
        if let publisher {
            outcome = publisher.publish(batch.events, on: loop)
        } else {
            // The core publishes only when the configuration names Kafka, and then the server
            // made a publisher; a test that builds the state by hand gets every event failed.
            let failure = PublishFailure(code: .failed, topic: "", synchronous: true)
            outcome = loop.makeSucceededFuture(
                PublishOutcome(failures: [PublishFailure?](repeating: failure, count: batch.events.count)))
        }
        outcome.assumeIsolated().whenSuccess { outcome in
            then(shard.core.settle(batch, outcome: outcome, serverTime: WebSocketSessionHandler.serverTime()))
        }
    }
}

extension CollectorServer {
    /// Waits up to `timeout` seconds for the Kafka delivery reports still outstanding, then purges
    /// the rest (each counted as failed, `purge_queue` or `purge_inflight`) and stops publishing:
    /// after it, every batch handed to Kafka is accounted. For the end of a run, before its
    /// figures are read; a no-op without Kafka.
    package func finishPublishing(within timeout: Double) async {
        guard let publisher = shared.publisher else { return }
        await publisher.close(flushTimeout: timeout)
        // The last reports complete promises whose callbacks settle on the loops: one more trip
        // to every loop runs them before anyone reads the figures.
        for box in shared.shards.values { try? await box.eventLoop.submit {}.get() }
    }

    /// The Kafka publisher's settings, when the collector publishes.
    public var kafka: KafkaPublishing? { shared.publisher?.settings }
}
