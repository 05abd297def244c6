import SwarmPrimitives

/// Principle 5, checked: per event type `generated = sampled_out + dropped + acked + pending_at_end`,
/// and, with the embedded collector, acks against the collector's unique deliveries.
///
/// Build it with `funnel(from:pendingAtEnd:)`, then `attach(delivery:)` when the collector's
/// accounting is known, and `addProblem(_:)` for anything else the caller found wrong.
public struct Reconciliation: Codable, Sendable, Equatable {
    /// One event type's funnel; `unaccounted` should be 0.
    public struct Row: Codable, Sendable, Equatable {
        public var eventType: String
        public var generated: UInt64
        public var sampledOut: UInt64
        public var dropped: UInt64
        public var acked: UInt64
        /// Still in device stores at the end, as the SDK stores report it.
        public var pendingAtEnd: UInt64
        /// `generated - sampled_out - dropped - acked - pending_at_end`: positive means events
        /// vanished, negative means more outcomes than events.
        public var unaccounted: Int64

        enum CodingKeys: String, CodingKey {
            case generated, dropped, acked, unaccounted
            case eventType = "event_type"
            case sampledOut = "sampled_out"
            case pendingAtEnd = "pending_at_end"
        }
    }

    /// Acks against what the collector delivered (`checked` false for a remote collector).
    public struct DeliveryCheck: Codable, Sendable, Equatable {
        public var checked: Bool
        public var acked: UInt64
        public var deliveredUnique: UInt64
        /// Acked by the collector but never delivered by it, with no explanation: lost data,
        /// fails the run.
        public var ackedNotDelivered: UInt64
        /// Acked but never delivered because the collector itself lost them after acking them
        /// (its `lost_after_ack`: immediate acks, then a failed publish, Raccoon's silent loss,
        /// raystack/raccoon#38). Explained: the run stays balanced.
        public var lostAfterAck: UInt64
        /// Delivered but not acked to the device (ack lost; the device will resend): allowed.
        public var deliveredNotAcked: UInt64
        public var duplicates: UInt64

        /// A check with figures from the collector; without exact per-guid figures, the
        /// mismatches are taken from the difference of the counts.
        public init(
            acked: UInt64, deliveredUnique: UInt64, duplicates: UInt64, ackedNotDelivered: UInt64? = nil,
            deliveredNotAcked: UInt64? = nil, lostAfterAck: UInt64 = 0
        ) {
            checked = true
            self.acked = acked
            self.deliveredUnique = deliveredUnique
            self.duplicates = duplicates
            self.lostAfterAck = lostAfterAck
            let explained = deliveredUnique.addingReportingOverflow(lostAfterAck).partialValue
            self.ackedNotDelivered = ackedNotDelivered ?? (acked > explained ? acked - explained : 0)
            self.deliveredNotAcked = deliveredNotAcked ?? (deliveredUnique > acked ? deliveredUnique - acked : 0)
        }

        /// The check from per-device bitmaps of sequence numbers (device index to sequences):
        /// an acked event the collector delivered is fine; one it did not deliver but counted as
        /// lost after its ack is explained; any other is unexplained.
        package static func comparing(
            acked: [UInt32: SequenceBitmap], delivered: [UInt32: SequenceBitmap],
            lostAfterAck: [UInt32: SequenceBitmap], ackedTotal: UInt64, duplicates: UInt64
        ) -> DeliveryCheck {
            var notDelivered: UInt64 = 0
            var explained: UInt64 = 0
            var deliveredNotAcked: UInt64 = 0
            var deliveredUnique: UInt64 = 0
            let none = SequenceBitmap()
            for (device, bitmap) in acked {
                let deliveredHere = delivered[device] ?? none
                notDelivered += UInt64(bitmap.countNotIn(deliveredHere))
                if let lost = lostAfterAck[device] {
                    explained += UInt64(bitmap.countIn(lost, notIn: deliveredHere))
                }
            }
            for (device, bitmap) in delivered {
                deliveredUnique += UInt64(bitmap.count)
                deliveredNotAcked += UInt64(bitmap.countNotIn(acked[device] ?? none))
            }
            return DeliveryCheck(
                acked: ackedTotal, deliveredUnique: deliveredUnique, duplicates: duplicates,
                ackedNotDelivered: notDelivered - explained, deliveredNotAcked: deliveredNotAcked,
                lostAfterAck: explained)
        }

        /// No collector figures to check against (a remote collector).
        public static func unchecked(acked: UInt64) -> DeliveryCheck {
            var check = DeliveryCheck(acked: acked, deliveredUnique: 0, duplicates: 0, ackedNotDelivered: 0)
            check.checked = false
            check.deliveredNotAcked = 0
            return check
        }

        enum CodingKeys: String, CodingKey {
            case checked, acked, duplicates
            case deliveredUnique = "delivered_unique"
            case ackedNotDelivered = "acked_not_delivered"
            case lostAfterAck = "lost_after_ack"
            case deliveredNotAcked = "delivered_not_acked"
        }

        /// Reads reports written before `lost_after_ack` existed as having none.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            checked = try container.decode(Bool.self, forKey: .checked)
            acked = try container.decode(UInt64.self, forKey: .acked)
            deliveredUnique = try container.decode(UInt64.self, forKey: .deliveredUnique)
            ackedNotDelivered = try container.decode(UInt64.self, forKey: .ackedNotDelivered)
            lostAfterAck = try container.decodeIfPresent(UInt64.self, forKey: .lostAfterAck) ?? 0
            deliveredNotAcked = try container.decode(UInt64.self, forKey: .deliveredNotAcked)
            duplicates = try container.decode(UInt64.self, forKey: .duplicates)
        }
    }

    /// Every row's `unaccounted` is 0, no ack went undelivered (when checked), no problems.
    public private(set) var balanced: Bool
    /// By event type, sorted.
    public private(set) var eventTypes: [Row]
    public private(set) var delivery: DeliveryCheck
    /// Why the run is unbalanced, one sentence each.
    public private(set) var problems: [String]

    /// The per-type funnel of `snapshot`, with `pendingAtEnd` by event type as the SDK stores
    /// report it (a type only in `pendingAtEnd` gets a row too). The delivery check starts unchecked.
    package static func funnel(from snapshot: RecorderSnapshot, pendingAtEnd: [String: UInt64]) -> Reconciliation {
        var byType: [String: FunnelCounts] = [:]
        for (key, counts) in snapshot.funnel { byType[key.eventType, default: FunnelCounts()].merge(counts) }
        for type in pendingAtEnd.keys where byType[type] == nil { byType[type] = FunnelCounts() }
        var rows: [Row] = []
        var problems: [String] = []
        var acked: UInt64 = 0
        for type in byType.keys.sorted() {
            let counts = byType[type]!
            let pending = pendingAtEnd[type] ?? 0
            let dropped = counts.droppedTotal
            let unaccounted =
                Int64(counts.generated) - Int64(counts.sampledOut) - Int64(dropped) - Int64(counts.acked)
                - Int64(pending)
            rows.append(
                Row(
                    eventType: type, generated: counts.generated, sampledOut: counts.sampledOut, dropped: dropped,
                    acked: counts.acked, pendingAtEnd: pending, unaccounted: unaccounted))
            acked += counts.acked
            if unaccounted != 0 {
                problems.append(
                    "\(type): generated \(counts.generated) but sampled_out \(counts.sampledOut) + dropped \(dropped) "
                        + "+ acked \(counts.acked) + pending \(pending) leaves \(unaccounted) unaccounted")
            }
        }
        return Reconciliation(
            balanced: problems.isEmpty, eventTypes: rows, delivery: .unchecked(acked: acked), problems: problems)
    }

    /// Attaches the collector's delivery figures (once); acks the collector never delivered
    /// unbalance the run, unless the collector counted them as lost after their ack.
    public mutating func attach(delivery: DeliveryCheck) {
        self.delivery = delivery
        if delivery.checked, delivery.ackedNotDelivered > 0 {
            let explained =
                delivery.lostAfterAck > 0 ? ", and \(delivery.lostAfterAck) more the collector lost after acking" : ""
            addProblem(
                "\(delivery.ackedNotDelivered) acked events were never delivered by the collector "
                    + "(acked \(delivery.acked), delivered \(delivery.deliveredUnique)\(explained))")
        }
    }

    /// Records something else that makes the run unbalanced.
    public mutating func addProblem(_ problem: String) {
        problems.append(problem)
        balanced = false
    }

    enum CodingKeys: String, CodingKey {
        case balanced, delivery, problems
        case eventTypes = "event_types"
    }
}
