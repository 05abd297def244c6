/// One step of a capacity search: its load, its figures after the warm-up, the SLOs checked
/// against them, and what the generator itself used.
public struct CapacityStep: Codable, Sendable, Equatable {
    /// Devices, or the rate multiple (`CapacityReport.vary`).
    public var load: Double
    public var devices: Int
    /// Events generated and acked a second over the step's measured window (after its warm-up,
    /// before its drain).
    public var offeredPerSecond: Double
    public var ackedPerSecond: Double
    /// Event latency from intended time over the window, from the per-second histograms (within
    /// 1.6%); nil without acks.
    public var latencyP50Ms: Double?
    public var latencyP99Ms: Double?
    /// Acked over generated (less sampled out) in the window.
    public var deliveryRatio: Double?
    /// Error answers over batches sent, over the whole step.
    public var errorAnswerRatio: Double?
    public var connectSuccess: Double?
    /// Every SLO with this step's figure (the window's for latency and delivery).
    public var slos: [SLOResult]
    public var passed: Bool
    /// The generator process's CPU (cores: CPU seconds per wall second, the embedded collector's
    /// loops included) and resident memory at the step's end; absent in simulated mode so that
    /// its report is the same bytes for a seed.
    public var generatorCPUCores: Double?
    public var generatorRSSMiB: Double?
    /// Seconds the collector's throttle held reads during the step, summed over connections;
    /// absent when it is not known (no throttle, a remote collector, a simulated run).
    public var collectorThrottleWaitS: Double?
    /// The step's run report, when it was written.
    public var report: String?

    enum CodingKeys: String, CodingKey {
        case load, devices, slos, passed, report
        case offeredPerSecond = "offered_per_second"
        case ackedPerSecond = "acked_per_second"
        case latencyP50Ms = "latency_p50_ms"
        case latencyP99Ms = "latency_p99_ms"
        case deliveryRatio = "delivery_ratio"
        case errorAnswerRatio = "error_answer_ratio"
        case connectSuccess = "connect_success"
        case generatorCPUCores = "generator_cpu_cores"
        case generatorRSSMiB = "generator_rss_mib"
        case collectorThrottleWaitS = "collector_throttle_wait_s"
    }

    /// The most error answers per batch sent a passing step may have.
    public static let errorAnswerLimit = 0.01

    /// The step's figures from its run `report`: seconds `warmUp ..< end` of its series (`end`:
    /// the journeys' end, before the drain), checked against `thresholds` (the window's
    /// figures for event latency and delivery ratio, the whole step's for the rest) and against
    /// at most 1% error answers.
    public init(load: Double, report: RunReport, warmUp: Double, end: Double, thresholds: [SLOThreshold]) {
        self.load = load
        devices = report.run.devices
        let window = report.series.filter { Double($0.t) >= warmUp && Double($0.t) < end }
        let seconds = Double(max(1, window.count))
        var latency = CoarseHistogram()
        var generated: UInt64 = 0
        var acked: UInt64 = 0
        var sampledOut: UInt64 = 0
        for point in window {
            generated += point.generated
            acked += point.acked
            sampledOut += point.sampledOut
            if let buckets = point.latencyBuckets { latency.add(CoarseHistogram(sparseBuckets: buckets)) }
        }
        offeredPerSecond = HistogramSummary.rounded(Double(generated) / seconds, decimals: 3)
        ackedPerSecond = HistogramSummary.rounded(Double(acked) / seconds, decimals: 3)
        latencyP50Ms = latency.milliseconds(atPercentile: 50)
        latencyP99Ms = latency.milliseconds(atPercentile: 99)
        let deliverable = generated - min(generated, sampledOut)
        deliveryRatio =
            deliverable > 0 ? HistogramSummary.rounded(min(1, Double(acked) / Double(deliverable)), decimals: 6) : nil
        let sends = report.totals.sends
        errorAnswerRatio =
            sends > 0 ? HistogramSummary.rounded(Double(report.totals.errorAnswers) / Double(sends), decimals: 6) : nil
        connectSuccess = report.connections.successRatio
        var results = report.evaluate(thresholds)
        for (index, threshold) in thresholds.enumerated() {
            switch threshold.metric {
            case .latencyPercentile(let percentile):
                results[index] = Self.check(threshold, latency.milliseconds(atPercentile: percentile).map { $0 / 1000 })
            case .deliveryRatio:
                results[index] = Self.check(threshold, deliveryRatio)
            default: break
            }
        }
        results.append(
            Self.check(
                SLOThreshold(name: "error answers", metric: .dropRate, threshold: Self.errorAnswerLimit),
                errorAnswerRatio ?? 0, metric: "error_answer_ratio"))
        slos = results
        passed = results.allSatisfy(\.passed)
    }

    private static func check(_ threshold: SLOThreshold, _ actual: Double?, metric: String? = nil) -> SLOResult {
        let comparison = threshold.metric.comparison
        let passed = actual.map { comparison == "<=" ? $0 <= threshold.threshold : $0 >= threshold.threshold } ?? false
        return SLOResult(
            name: threshold.name, metric: metric ?? threshold.metric.name, comparison: comparison,
            threshold: threshold.threshold, actual: actual, passed: passed,
            detail: actual == nil ? "no data after the warm-up" : nil)
    }

    /// The failed SLO furthest past its threshold (one without data counts as furthest).
    public var worstFailure: CapacityReport.BrokenSLO? {
        let broken = slos.filter { !$0.passed }.map(CapacityReport.BrokenSLO.init)
        return broken.max { ($0.excess ?? .infinity) < ($1.excess ?? .infinity) }
    }
}
