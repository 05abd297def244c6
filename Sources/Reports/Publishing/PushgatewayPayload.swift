import Foundation
import SwarmPrimitives

/// The minimal Prometheus text exposition pushed to a Pushgateway: final figures of a report, or
/// live progress during a run. Every metric is a gauge; the grouping key (job, scenario, run_id)
/// labels them on the gateway. (The full Prometheus rendering of a report is a renderer's job;
/// this is just what the push needs.)
enum PushgatewayPayload {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"
    static let job = "clickswarm"

    /// `<base>/metrics/job/clickswarm/scenario/<scenario>/run_id/<id>`.
    static func groupURL(_ base: PushURL, scenario: String, runID: String) -> PushURL {
        base.appending(
            encodedPath: "/metrics" + segment("job", job) + segment("scenario", scenario) + segment("run_id", runID))
    }

    /// `/name/value`, the value URL-escaped; a value with a `/` (or an empty one) takes the
    /// `name@base64/<base64url>` form the Pushgateway defines.
    static func segment(_ name: String, _ value: String) -> String {
        if value.isEmpty || value.contains("/") {
            let encoded = Data(value.utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            return "/\(name)@base64/\(encoded.isEmpty ? "=" : encoded)"
        }
        var allowed = CharacterSet.alphanumerics.intersection(
            CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return "/\(name)/\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
    }

    /// The final figures of a finished run.
    static func final(_ report: RunReport) -> String {
        var text = PrometheusText()
        let totals = report.totals
        text.gauge("clickswarm_run_finished", "1 once the run ended (0 in live pushes during the run).", 1)
        text.gauge(
            "clickswarm_run_passed", "1 when the run's verdict is passed, else 0.", report.verdict == .passed ? 1 : 0)
        text.gauge("clickswarm_run_interrupted", "1 when the run was stopped early.", report.run.interrupted ? 1 : 0)
        text.gauge("clickswarm_run_elapsed_seconds", "Wall-clock seconds the run took.", report.run.wallSeconds)
        text.gauge("clickswarm_devices", "Simulated devices in the population.", Double(report.run.devices))
        text.gauge(
            "clickswarm_devices_online", "App sessions running at the end of the last second.",
            Double(report.series.last?.devicesOnline ?? 0))
        text.gauge(
            "clickswarm_devices_online_peak", "Most app sessions running at once.",
            Double(report.series.map(\.devicesOnline).max() ?? 0))
        text.gauge("clickswarm_events_generated", "Events the apps generated.", Double(totals.generated))
        text.gauge("clickswarm_events_acked", "Events the collector acknowledged.", Double(totals.acked))
        text.gauge("clickswarm_events_sampled_out", "Events the SDK sampled out.", Double(totals.sampledOut))
        text.gauge("clickswarm_events_dropped", "Events dropped, all reasons.", Double(totals.dropped))
        text.gauges(
            "clickswarm_events_dropped_by_reason", "Events dropped, by reason.", label: "reason",
            totals.droppedByReason.mapValues { Double($0) })
        text.gauge(
            "clickswarm_events_pending_at_end", "Events still in device stores at the end.", Double(totals.pendingAtEnd)
        )
        text.gauge("clickswarm_delivery_ratio", "Acked over deliverable events.", totals.deliveryRatio)
        text.gauge(
            "clickswarm_connect_success_ratio", "Connections opened over attempts.", report.connections.successRatio)
        let latency = report.latency.event
        text.gauge("clickswarm_event_latency_p50_seconds", "Event latency, 50th percentile.", seconds(latency.p50Ms))
        text.gauge("clickswarm_event_latency_p90_seconds", "Event latency, 90th percentile.", seconds(latency.p90Ms))
        text.gauge("clickswarm_event_latency_p99_seconds", "Event latency, 99th percentile.", seconds(latency.p99Ms))
        text.gauge("clickswarm_event_latency_max_seconds", "Event latency, maximum.", seconds(latency.maxMs))
        return text.text
    }

    /// Live progress during a run (the counters so far).
    static func live(_ counters: ProgressCounters, elapsed: Double) -> String {
        var text = PrometheusText()
        text.gauge("clickswarm_run_finished", "1 once the run ended (0 in live pushes during the run).", 0)
        text.gauge("clickswarm_run_elapsed_seconds", "Seconds since the run started.", elapsed)
        text.gauge("clickswarm_devices_online", "App sessions running now.", Double(counters.devicesOnline))
        text.gauge("clickswarm_events_generated", "Events the apps generated.", Double(counters.generated))
        text.gauge("clickswarm_events_acked", "Events the collector acknowledged.", Double(counters.acked))
        text.gauge("clickswarm_events_sampled_out", "Events the SDK sampled out.", Double(counters.sampledOut))
        text.gauge("clickswarm_events_dropped", "Events dropped, all reasons.", Double(counters.dropped))
        text.gauge(
            "clickswarm_event_latency_p99_seconds", "Event latency, 99th percentile (coarse).",
            seconds(counters.latencyP99Milliseconds))
        return text.text
    }

    /// Milliseconds to seconds, to the microsecond (so `0.276` does not print as `0.27599999999999997`).
    static func seconds(_ milliseconds: Double?) -> Double? {
        milliseconds.map { ($0 * 1000).rounded() / 1_000_000 }
    }
}
