import RaccoonWire
import SwarmPrimitives

/// A batch handed to Kafka: its events and what its answer will be.
package struct KafkaBatch: Sendable, Equatable {
    package var events: [RaccoonEvent]
    /// The OK answer (after-publish mode answers it once every event is delivered).
    package var ok: SendEventResponse
    /// The ack is dropped on purpose (`ack_loss`), whatever the publish does.
    package var ackLost: Bool
    /// In after-publish mode: the injected ack delay, drawn when the batch arrived, added to
    /// the time the publish took.
    package var ackDelay: Double
    package var afterPublish: Bool
}

/// What to do once a batch's delivery reports are in.
package struct KafkaSettlement: Sendable, Equatable {
    /// The answer to write (after-publish mode only; immediate mode answered already).
    package var response: SendEventResponse?
    package var delay: Double
    /// A req_guid the connection's de-duplication must forget, so that the retry of a batch
    /// answered with a publish error is published (Raccoon's `RemoveBatch` under ack 1).
    package var forget: String?
}

extension CollectorCore {
    /// Raccoon's order once a batch is to be published: with ack 0 (`immediate`) the OK goes
    /// out now and the publish follows; with ack 1 (`after-publish`) the answer waits for the
    /// publish. Received is counted now; delivered or lost when the reports come (`settle`).
    mutating func handToKafka(
        _ events: [RaccoonEvent], ok: SendEventResponse, ackLost: Bool, random: inout SeededRandom
    ) -> Decision {
        ledger.account(events, delivered: false)
        switch ackMode {
        case .immediate:
            let batch = KafkaBatch(events: events, ok: ok, ackLost: ackLost, ackDelay: 0, afterPublish: false)
            if ackLost {
                batches.ackLost += 1
                return Decision(response: nil, delay: 0, kafka: batch)
            }
            batches.ok += 1
            return Decision(response: ok, delay: answerDelay(&random), kafka: batch)
        case .afterPublish:
            let batch = KafkaBatch(
                events: events, ok: ok, ackLost: ackLost, ackDelay: ackDelay(&random), afterPublish: true)
            return Decision(response: nil, delay: 0, kafka: batch)
        }
    }

    /// Accounts a published batch by its delivery reports and says what to answer: in
    /// after-publish mode OK, or Raccoon's publish error when any event failed (its req_guid
    /// forgotten); in immediate mode nothing more, and each failed event counts as lost after
    /// its ack.
    package mutating func settle(_ batch: KafkaBatch, outcome: PublishOutcome, serverTime: Int64) -> KafkaSettlement {
        var delivered: [RaccoonEvent] = []
        var failed: [RaccoonEvent] = []
        if outcome.failed {
            for (event, failure) in zip(batch.events, outcome.failures) {
                if failure == nil { delivered.append(event) } else { failed.append(event) }
            }
        } else {
            delivered = batch.events
        }
        ledger.settle(delivered, as: .delivered(extra: batch.ackLost ? \.ackLost : nil))
        if !delivered.isEmpty { sink?.publish(delivered) }
        guard batch.afterPublish else {
            if !failed.isEmpty {
                batches.lostAfterAck += 1
                ledger.settle(failed, as: .lostAfterAck)
            }
            return KafkaSettlement(response: nil, delay: 0, forget: nil)
        }
        guard !failed.isEmpty else {
            if batch.ackLost {
                batches.ackLost += 1
                return KafkaSettlement(response: nil, delay: 0, forget: nil)
            }
            batches.ok += 1
            var ok = batch.ok
            ok.sentTime = serverTime
            return KafkaSettlement(response: ok, delay: batch.ackDelay, forget: nil)
        }
        batches.publishFailed += 1
        ledger.settle(failed, as: .publishFailed)
        let reqGUID = batch.ok.data["req_guid"] ?? ""
        let error = SendEventResponse.make(
            status: .error, code: .internalError, sentTime: serverTime, reason: outcome.raccoonReason,
            reqGUID: reqGUID)
        return KafkaSettlement(
            response: batch.ackLost ? nil : error, delay: batch.ackDelay, forget: deduplicate ? reqGUID : nil)
    }
}
