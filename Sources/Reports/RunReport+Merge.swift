extension RunReport {
    /// The most shards one merge takes: with every count at most 2^53 (`largestNumber`), their
    /// sums fit a counter.
    public static let mostShards = 1000

    /// Combines the reports of every shard of one run (`run --shard i/N`, i from 0 to N-1) into
    /// the report the unsharded run writes: counters summed, histograms added bucket for bucket,
    /// the series aligned by second (percentiles recomputed from each shard's `latency_buckets`),
    /// the reconciliation summed and rechecked, SLOs re-evaluated and the verdict recomputed.
    ///
    /// Shards run disjoint devices, so per-device delivery figures (acked but not delivered,
    /// delivered but not acked) add up exactly. The merged `run` has no `shard`; its `id` and
    /// `tool_version` are shard 0's, `started_at` the earliest, `ended_at` and `wall_seconds` the
    /// latest, `interrupted` set if any shard was.
    public static func merge(_ reports: [RunReport]) throws(MergeError) -> RunReport {
        let shards = try checkedShards(reports)
        let first = shards[0]
        var merged = first
        merged.run.shard = nil
        merged.run.startedAt = shards.map(\.run.startedAt).min()!
        merged.run.endedAt = shards.map(\.run.endedAt).max()!
        merged.run.wallSeconds = shards.map(\.run.wallSeconds).max()!
        merged.run.interrupted = shards.contains { $0.run.interrupted }

        var totals = FunnelCounts()
        var byType: [String: FunnelCounts] = [:]
        var byFlavor: [String: FunnelCounts] = [:]
        var byNetwork: [String: FunnelCounts] = [:]
        var connections = ConnectionCounts()
        var health: [String: UInt64] = [:]
        var notes: [String: UInt64] = [:]
        var latency = MergedLatencies()
        var collector: CollectorAccounting? = CollectorAccounting()
        for shard in shards {
            totals.merge(FunnelCounts(shard.totals))
            for (key, figures) in shard.byEventType {
                byType[key, default: FunnelCounts()].merge(FunnelCounts(figures))
            }
            for (key, figures) in shard.byFlavor { byFlavor[key, default: FunnelCounts()].merge(FunnelCounts(figures)) }
            for (key, figures) in shard.byNetwork {
                byNetwork[key, default: FunnelCounts()].merge(FunnelCounts(figures))
            }
            connections.merge(ConnectionCounts(shard.connections))
            health.merge(shard.health, uniquingKeysWith: +)
            notes.merge(shard.notes, uniquingKeysWith: +)
            latency.add(shard.latency)
            if let accounting = shard.collector, collector != nil {
                collector!.add(accounting)
            } else {
                collector = nil
            }
        }
        merged.totals = FunnelFigures(totals)
        merged.byEventType = byType.mapValues(FunnelFigures.init)
        merged.byFlavor = byFlavor.mapValues(FunnelFigures.init)
        merged.byNetwork = byNetwork.mapValues(FunnelFigures.init)
        merged.connections = ConnectionFigures(connections)
        merged.health = health
        merged.notes = notes
        merged.latency = latency.figures
        merged.collector = collector
        // Each shard audits its own devices, so the audits add up (when every shard ran one).
        merged.audit = shards.allSatisfy { $0.audit != nil } ? shards.compactMap(\.audit).merged() : nil
        merged.series = try mergedSeries(shards)
        merged.reconciliation = mergedReconciliation(shards)
        var thresholds: [SLOThreshold] = []
        for result in first.slos {
            guard let threshold = SLOThreshold(result: result) else {
                throw MergeError(
                    message: "SLO '\(result.name)' has the metric '\(result.metric)', which this clickswarm cannot "
                        + "check again; merge with the clickswarm version that wrote the shards")
            }
            thresholds.append(threshold)
        }
        merged.slos = merged.evaluate(thresholds)
        merged.verdict = merged.computedVerdict
        return merged
    }

    /// The reports sorted by shard index, once each checked to be the complete set of one run.
    private static func checkedShards(_ reports: [RunReport]) throws(MergeError) -> [RunReport] {
        guard !reports.isEmpty else { throw MergeError(message: "no reports to merge") }
        guard reports.count <= RunReport.mostShards else {
            throw MergeError(message: "\(reports.count) reports: merge takes at most \(RunReport.mostShards) shards")
        }
        for (position, report) in reports.enumerated() where report.run.partial == true {
            throw MergeError(
                message: "report \(position + 1) (run \(report.run.id)) is a partial report, written during a run "
                    + "that did not finish: merge the shards' final reports")
        }
        for (position, report) in reports.enumerated() where report.run.shard == nil {
            throw MergeError(
                message: "report \(position + 1) (run \(report.run.id)) is not a shard report: merge takes the "
                    + "reports of `run --shard i/N`, one per shard")
        }
        let shards = reports.sorted { $0.run.shard!.index < $1.run.shard!.index }
        let first = shards[0]
        let count = first.run.shard!.count
        func differs<Value: Equatable>(_ field: String, _ value: (RunInfo) -> Value) throws(MergeError) {
            for report in shards where value(report.run) != value(first.run) {
                throw MergeError(
                    message: "shard \(label(report)) has \(field) \(value(report.run)) but shard \(label(first)) has "
                        + "\(value(first.run)): only shards of one run can be merged")
            }
        }
        try differs("scenario") { $0.scenario }
        try differs("seed") { $0.seed }
        try differs("mode") { $0.mode.rawValue }
        try differs("duration_s") { $0.durationS }
        try differs("drain_s") { $0.drainS }
        try differs("devices") { $0.devices }
        try differs("shard count") { $0.shard!.count }
        var seen = Set<Int>()
        for report in shards where !seen.insert(report.run.shard!.index).inserted {
            throw MergeError(message: "shard \(label(report)) appears more than once: each shard must be given once")
        }
        let missing = (0..<count).filter { !seen.contains($0) }
        guard missing.isEmpty else {
            throw MergeError(
                message: "missing shard\(missing.count == 1 ? "" : "s") "
                    + missing.map { "\($0)/\(count)" }.joined(separator: ", ") + " of \(count): a merge needs "
                    + "every shard's report")
        }
        return shards
    }

    private static func label(_ report: RunReport) -> String {
        "\(report.run.shard!.index)/\(report.run.shard!.count)"
    }

    /// Seconds aligned by `t`: counters summed, devices online summed (a shard whose series ended
    /// earlier keeps its last figure), percentiles recomputed from the merged buckets.
    private static func mergedSeries(_ shards: [RunReport]) throws(MergeError) -> [SeriesPoint] {
        let length = shards.map { ($0.series.map(\.t).max() ?? -1) + 1 }.max() ?? 0
        var seconds = Array(repeating: SecondFigures(), count: length)
        var online = Array(repeating: Int64(0), count: length)
        for shard in shards {
            var last: Int64 = 0
            var byT: [Int: SeriesPoint] = [:]
            for point in shard.series { byT[point.t] = point }
            for t in 0..<length {
                guard let point = byT[t] else {
                    online[t] += last
                    continue
                }
                if point.acked > 0, point.latencyBuckets == nil {
                    throw MergeError(
                        message: "shard \(label(shard)) has no latency_buckets in its series (second \(t)): it was "
                            + "written by a clickswarm without merge support; re-run the shard")
                }
                last = point.devicesOnline
                online[t] += point.devicesOnline
                seconds[t].generated += point.generated
                seconds[t].acked += point.acked
                seconds[t].dropped += point.dropped
                seconds[t].sampledOut += point.sampledOut
                seconds[t].connects += point.connects
                seconds[t].connectFailures += point.connectFailures
                seconds[t].disconnects += point.disconnects
                seconds[t].latency.add(CoarseHistogram(sparseBuckets: point.latencyBuckets ?? []))
            }
        }
        return (0..<length).map { SeriesPoint(t: $0, devicesOnline: online[$0], figures: seconds[$0]) }
    }

    /// Rows summed by event type, delivery figures summed, each shard's problems kept (named by
    /// shard), balance rechecked.
    private static func mergedReconciliation(_ shards: [RunReport]) -> Reconciliation {
        var rows: [String: Reconciliation.Row] = [:]
        var delivery = Reconciliation.DeliveryCheck(acked: 0, deliveredUnique: 0, duplicates: 0)
        delivery.checked = shards.allSatisfy(\.reconciliation.delivery.checked)
        var problems: [String] = []
        for shard in shards {
            for row in shard.reconciliation.eventTypes {
                if var sum = rows[row.eventType] {
                    sum.generated += row.generated
                    sum.sampledOut += row.sampledOut
                    sum.dropped += row.dropped
                    sum.acked += row.acked
                    sum.pendingAtEnd += row.pendingAtEnd
                    sum.unaccounted += row.unaccounted
                    rows[row.eventType] = sum
                } else {
                    rows[row.eventType] = row
                }
            }
            let check = shard.reconciliation.delivery
            delivery.acked += check.acked
            delivery.deliveredUnique += check.deliveredUnique
            delivery.ackedNotDelivered += check.ackedNotDelivered
            delivery.lostAfterAck += check.lostAfterAck
            delivery.deliveredNotAcked += check.deliveredNotAcked
            delivery.duplicates += check.duplicates
            problems += shard.reconciliation.problems.map { "shard \(label(shard)): \($0)" }
        }
        let eventTypes = rows.keys.sorted().map { rows[$0]! }
        let balanced =
            problems.isEmpty && eventTypes.allSatisfy { $0.unaccounted == 0 }
            && shards.allSatisfy(\.reconciliation.balanced)
        return Reconciliation(balanced: balanced, eventTypes: eventTypes, delivery: delivery, problems: problems)
    }
}

/// The `latency` section of several reports, added bucket for bucket.
private struct MergedLatencies {
    var event = LatencyHistogram()
    var batchRoundTrip = LatencyHistogram()
    var connect = LatencyHistogram()
    var timeToFirstAck = LatencyHistogram()
    var byFlavor: [String: LatencyHistogram] = [:]
    var byNetwork: [String: LatencyHistogram] = [:]

    mutating func add(_ figures: LatencyFigures) {
        event.add(LatencyHistogram(summary: figures.event))
        batchRoundTrip.add(LatencyHistogram(summary: figures.batchRoundTrip))
        connect.add(LatencyHistogram(summary: figures.connect))
        timeToFirstAck.add(LatencyHistogram(summary: figures.timeToFirstAck))
        for (key, summary) in figures.eventByFlavor {
            byFlavor[key, default: LatencyHistogram()].add(LatencyHistogram(summary: summary))
        }
        for (key, summary) in figures.eventByNetwork {
            byNetwork[key, default: LatencyHistogram()].add(LatencyHistogram(summary: summary))
        }
    }

    var figures: LatencyFigures {
        var figures = LatencyFigures([:])
        figures.event = event.summary
        figures.batchRoundTrip = batchRoundTrip.summary
        figures.connect = connect.summary
        figures.timeToFirstAck = timeToFirstAck.summary
        figures.eventByFlavor = byFlavor.mapValues(\.summary)
        figures.eventByNetwork = byNetwork.mapValues(\.summary)
        return figures
    }
}

extension FunnelCounts {
    /// The counts behind a report's funnel figures.
    init(_ figures: FunnelFigures) {
        self.init()
        generated = figures.generated
        sampledOut = figures.sampledOut
        dropped = figures.droppedByReason
        acked = figures.acked
        sends = figures.sends
        resends = figures.resends
        timeouts = figures.timeouts
        errorAnswers = figures.errorAnswers
        released = figures.released
    }
}

extension ConnectionCounts {
    /// The counts behind a report's connection figures.
    init(_ figures: ConnectionFigures) {
        self.init()
        attempts = figures.attempts
        connected = figures.connected
        failed = figures.failedByReason
        failureDetails = figures.failureDetails ?? [:]
        inFlightAtEnd = figures.inFlightAtEnd ?? 0
        disconnected = figures.disconnectedByReason
    }
}

extension CollectorAccounting {
    /// Adds `other`'s counts (shards, or the partitions of a simulated run).
    package mutating func add(_ other: CollectorAccounting) {
        eventsReceived += other.eventsReceived
        uniqueDeliveries += other.uniqueDeliveries
        duplicateDeliveries += other.duplicateDeliveries
        foreign += other.foreign
        batchesAckLost += other.batchesAckLost
        batchesErrorInjected += other.batchesErrorInjected
        lostAfterAck += other.lostAfterAck
        connectionsRefusedOutage += other.connectionsRefusedOutage
        connectionsRejected += other.connectionsRejected
        if let theirs = other.kafka {
            if var mine = kafka {
                mine.delivered += theirs.delivered
                mine.failed.merge(theirs.failed, uniquingKeysWith: +)
                mine.batchesPublishFailed += theirs.batchesPublishFailed
                kafka = mine
            } else {
                kafka = theirs
            }
        }
    }
}

extension [KafkaAuditFigures] {
    /// The shards' audits as one: counts summed, topics united, caught up only if all were, the
    /// first error kept, the devices with the most missing re-ranked.
    func merged() -> KafkaAuditFigures? {
        guard var total = first else { return nil }
        for audit in dropFirst() {
            total.topics = [String](Set(total.topics + audit.topics)).sorted()
            total.caughtUp = total.caughtUp && audit.caughtUp
            total.error = total.error ?? audit.error
            total.messagesRead = Swift.max(total.messagesRead, audit.messagesRead)
            total.acked += audit.acked
            total.ackedAndLanded += audit.ackedAndLanded
            total.missingAfterAck += audit.missingAfterAck
            total.landedNotAcked += audit.landedNotAcked
            total.duplicates += audit.duplicates
            total.wallSeconds = Swift.max(total.wallSeconds, audit.wallSeconds)
            for (type, row) in audit.byEventType {
                var sum = total.byEventType[type] ?? .init(topic: row.topic)
                sum.acked += row.acked
                sum.ackedAndLanded += row.ackedAndLanded
                sum.missingAfterAck += row.missingAfterAck
                sum.landedNotAcked += row.landedNotAcked
                sum.duplicates += row.duplicates
                total.byEventType[type] = sum
            }
            total.devicesMissing += audit.devicesMissing
        }
        // Every shard reads the same topics: their messages, and foreign ones, are the same.
        total.foreign = self.map(\.foreign).max() ?? 0
        total.devicesMissing = [KafkaAuditFigures.Device](
            total.devicesMissing.sorted { ($0.missingAfterAck, $1.device) > ($1.missingAfterAck, $0.device) }.prefix(20)
        )
        return total
    }
}
