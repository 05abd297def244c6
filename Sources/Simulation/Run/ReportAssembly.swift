import Collector
import Foundation
import Reports
import SwarmPrimitives

/// Builds the run report from the merged recorder, the devices' pending events and ack bitmaps,
/// and (for the embedded collector) the collector's own accounting.
struct ReportAssembly {
    var scenario: Scenario
    var context: RunContext
    var mode: RunInfo.Mode
    var startedAt: Date
    var endedAt: Date
    var interrupted: Bool
    var snapshot: RecorderSnapshot
    var pending: [String: UInt64]
    var acked: [UInt32: SequenceBitmap]
    var collector: CollectorFigures?
    /// The Kafka audit, when one ran: its figures and, by default, the SLO that none is missing.
    var audit: KafkaAuditFigures? = nil
    /// Wall-clock seconds the run took; nil computes them from the dates (a simulated run
    /// passes 0, so its report does not depend on the machine).
    var wallSeconds: Double? = nil
    var shard: RunInfo.Shard? = nil
    /// Keep each second's latency buckets (`RunOptions.secondBuckets`).
    var secondBuckets = false
    /// A report written during the run: nothing is finished, so every event not yet sampled
    /// out, dropped or acked counts as pending, and the collector is not asked.
    var partial = false

    /// A partial report of the run so far.
    static func partial(
        scenario: Scenario, context: RunContext, mode: RunInfo.Mode, startedAt: Date, now: Date,
        snapshot: RecorderSnapshot, wallSeconds: Double?, shard: RunInfo.Shard?
    ) -> RunReport {
        var pending: [String: UInt64] = [:]
        for (key, counts) in snapshot.funnel {
            let settled = counts.sampledOut + counts.droppedTotal + counts.acked
            pending[key.eventType, default: 0] += counts.generated > settled ? counts.generated - settled : 0
        }
        return ReportAssembly(
            scenario: scenario, context: context, mode: mode, startedAt: startedAt, endedAt: now, interrupted: false,
            snapshot: snapshot, pending: pending, acked: [:], collector: nil, wallSeconds: wallSeconds, shard: shard,
            partial: true
        ).report()
    }

    func report() -> RunReport {
        var reconciliation = Reconciliation.funnel(from: snapshot, pendingAtEnd: pending)
        let ackedTotal = snapshot.funnelTotals.acked
        if let collector {
            reconciliation.attach(
                delivery: .comparing(
                    acked: acked, delivered: collector.delivered, lostAfterAck: collector.lostAfterAck,
                    ackedTotal: ackedTotal, duplicates: collector.accounting.duplicateDeliveries))
            let ackedBitmaps = acked.values.reduce(0) { $0 + UInt64($1.count) }
            if ackedBitmaps != ackedTotal {
                reconciliation.addProblem(
                    "the devices recorded \(ackedTotal) acks but \(ackedBitmaps) distinct acked guids: "
                        + "an event was acked twice")
            }
        } else {
            reconciliation.attach(delivery: .unchecked(acked: ackedTotal))
        }
        let run = RunInfo(
            id: RunInfo.runID(context.runID), scenario: scenario.name, description: scenario.description,
            scenarioFile: scenario.file, seed: scenario.seed, mode: mode, target: scenario.target.description,
            startedAt: RunInfo.timestamp(startedAt), endedAt: RunInfo.timestamp(endedAt),
            durationS: scenario.duration, drainS: scenario.drain,
            wallSeconds: wallSeconds ?? (endedAt.timeIntervalSince(startedAt) * 1000).rounded() / 1000,
            interrupted: interrupted,
            devices: scenario.population.devices,
            shard: shard.map { shard in
                var shard = shard
                shard.devices = shard.indexes(population: scenario.population.devices).reduce(0) { count, _ in count + 1
                }
                return shard
            }, toolVersion: RunInfo.toolVersion)
        var info = run
        if partial { info.partial = true }
        info.tls = scenario.tlsInfo
        var thresholds = scenario.slos.thresholds
        if audit != nil {
            thresholds.append(
                SLOThreshold(
                    name: "missing after ack", metric: .missingAfterAck, threshold: scenario.slos.missingAfterAck ?? 0))
        }
        return RunReport.make(
            run: info, snapshot: snapshot, reconciliation: reconciliation, collector: collector?.accounting,
            audit: audit, slos: thresholds, secondBuckets: secondBuckets)
    }
}

extension Scenario.SLOs {
    /// The scenario's SLOs as the report's thresholds, in a fixed order.
    public var thresholds: [SLOThreshold] {
        var result: [SLOThreshold] = []
        func label(_ percentile: Double) -> String {
            percentile == 100
                ? "max" : "p" + (percentile == percentile.rounded() ? "\(Int(percentile))" : "\(percentile)")
        }
        for (percentile, seconds) in latency.sorted(by: { $0.key < $1.key }) {
            result.append(
                SLOThreshold(
                    name: "latency \(label(percentile))", metric: .latencyPercentile(percentile), threshold: seconds))
        }
        for (percentile, seconds) in batchRoundTrip.sorted(by: { $0.key < $1.key }) {
            result.append(
                SLOThreshold(
                    name: "batch round trip \(label(percentile))", metric: .batchRoundTripPercentile(percentile),
                    threshold: seconds))
        }
        if let deliveryRatio {
            result.append(SLOThreshold(name: "delivery ratio", metric: .deliveryRatio, threshold: deliveryRatio))
        }
        if let dropRate { result.append(SLOThreshold(name: "drop rate", metric: .dropRate, threshold: dropRate)) }
        for (reason, rate) in dropRateByReason.sorted(by: { $0.key < $1.key }) {
            result.append(
                SLOThreshold(name: "drop rate \(reason)", metric: .dropRateForReason(reason), threshold: rate))
        }
        if let connectSuccess {
            result.append(SLOThreshold(name: "connect success", metric: .connectSuccess, threshold: connectSuccess))
        }
        if requireDelivery {
            // A target that accepts TCP and never answers must not pass a run (slos.require_delivery).
            result.append(SLOThreshold(name: "something delivered", metric: .ackedEvents, threshold: 1))
            result.append(SLOThreshold(name: "a connection opened", metric: .connectionsOpened, threshold: 1))
        }
        return result
    }
}
