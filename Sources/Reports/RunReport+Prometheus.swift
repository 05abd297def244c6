import Foundation
import SwarmPrimitives

extension RunReport {
    /// The final figures as Prometheus text exposition (format 0.0.4), every sample labelled with
    /// `scenario` and `run_id`; metric names start `clickswarm_`. Latency histograms are summaries
    /// in seconds (quantiles 0.5 to 0.999, `_sum` from the mean) plus a `_max_seconds` gauge.
    public func prometheusText() -> String {
        var out = PrometheusText(prefix: "clickswarm_", baseLabels: [("scenario", run.scenario), ("run_id", run.id)])

        writeRun(&out)
        writeEvents(&out)
        writeLatencies(&out)
        writeConnections(&out)
        writeCollector(&out)
        writeAudit(&out)
        writeReconciliation(&out)
        writeSLOs(&out)
        return out.text
    }

    /// The run: what ran, how long, the verdict.
    private func writeRun(_ out: inout PrometheusText) {
        out.family("run_info", .gauge, "The run: mode, target, seed and clickswarm version; always 1.")
        out.sample(
            "run_info",
            [
                ("mode", run.mode.rawValue), ("target", run.target), ("seed", String(run.seed)),
                ("tool_version", run.toolVersion),
            ], 1.0)
        out.gauge("run_devices", "Simulated devices.", Double(run.devices))
        out.gauge("run_duration_seconds", "Scripted duration of the journeys, in run time.", run.durationS)
        out.gauge("run_drain_seconds", "Drain after the journeys, in run time.", run.drainS)
        out.gauge("run_wall_seconds", "Real seconds the run took.", run.wallSeconds)
        out.gauge(
            "run_interrupted", "1 if the run was stopped early: the figures cover only the part that ran.",
            run.interrupted ? 1 : 0)
        out.family("run_verdict", .gauge, "1 for the run's verdict (passed, slo_failed, unbalanced), 0 for the others.")
        for candidate in [Verdict.passed, .sloFailed, .unbalanced] {
            out.sample("run_verdict", [("verdict", candidate.rawValue)], candidate == verdict ? 1.0 : 0)
        }
    }

    /// Events by outcome, overall and by event type, flavor and network.
    private func writeEvents(_ out: inout PrometheusText) {
        out.family("events_total", .counter, "Events by outcome: generated, then sampled_out, dropped or acked.")
        for (outcome, value) in Self.outcomes(totals) { out.sample("events_total", [("outcome", outcome)], value) }
        out.gauge("events_pending", "Events still in device stores at the end.", Double(totals.pendingAtEnd))
        out.family("events_dropped_total", .counter, "Events dropped, by reason.")
        for reason in totals.droppedByReason.keys.sorted() {
            out.sample("events_dropped_total", [("reason", reason)], Double(totals.droppedByReason[reason]!))
        }
        out.counter("event_sends_total", "Times an event was put on the wire (first sends and resends).", totals.sends)
        out.counter("event_resends_total", "Sends after the first.", totals.resends)
        out.counter("event_send_timeouts_total", "Sends that got no ack in time.", totals.timeouts)
        out.counter("event_error_answers_total", "Sends the collector answered with an error.", totals.errorAnswers)
        out.counter("events_released_total", "Events returned to the store after a failed send.", totals.released)
        if let ratio = totals.deliveryRatio {
            out.gauge(
                "delivery_ratio", "Acked over deliverable (generated minus sampled out and drop-list drops).", ratio)
        }

        for (dimension, label, funnels) in [
            ("event_type", "event_type", byEventType), ("flavor", "flavor", byFlavor),
            ("network", "network", byNetwork),
        ] {
            let name = "\(dimension)_events_total"
            out.family(name, .counter, "Events by \(label) and outcome.")
            for key in funnels.keys.sorted() {
                for (outcome, value) in Self.outcomes(funnels[key]!) {
                    out.sample(name, [(label, key), ("outcome", outcome)], value)
                }
            }
            out.family("\(dimension)_events_dropped_total", .counter, "Events dropped, by \(label) and reason.")
            for key in funnels.keys.sorted() {
                let reasons = funnels[key]!.droppedByReason
                for reason in reasons.keys.sorted() {
                    out.sample(
                        "\(dimension)_events_dropped_total", [(label, key), ("reason", reason)],
                        Double(reasons[reason]!))
                }
            }
            out.family("\(dimension)_delivery_ratio", .gauge, "Acked over deliverable, by \(label).")
            for key in funnels.keys.sorted() {
                if let ratio = funnels[key]!.deliveryRatio {
                    out.sample("\(dimension)_delivery_ratio", [(label, key)], ratio)
                }
            }
        }
    }

    /// Latency summaries.
    private func writeLatencies(_ out: inout PrometheusText) {
        out.summary("event_latency", "Event latency: intended creation time to ack.", latency.event)
        out.summary("batch_round_trip", "Batch sent to its ack.", latency.batchRoundTrip)
        out.summary("connect", "Connection attempt to open connection.", latency.connect)
        out.summary("time_to_first_ack", "Open connection to its first ack.", latency.timeToFirstAck)
        out.summaries("flavor_event_latency", "Event latency by SDK flavor.", "flavor", latency.eventByFlavor)
        out.summaries("network_event_latency", "Event latency by network profile.", "network", latency.eventByNetwork)
    }

    /// Connections, SDK health events and the simulation's notes.
    private func writeConnections(_ out: inout PrometheusText) {
        out.counter("connection_attempts_total", "Connection attempts.", connections.attempts)
        out.counter("connections_opened_total", "Connection attempts that opened a connection.", connections.connected)
        out.family("connection_failures_total", .counter, "Failed connection attempts, by reason.")
        for reason in connections.failedByReason.keys.sorted() {
            out.sample("connection_failures_total", [("reason", reason)], Double(connections.failedByReason[reason]!))
        }
        out.family("disconnects_total", .counter, "Open connections that ended, by reason.")
        for reason in connections.disconnectedByReason.keys.sorted() {
            out.sample("disconnects_total", [("reason", reason)], Double(connections.disconnectedByReason[reason]!))
        }
        if let ratio = connections.successRatio {
            out.gauge("connect_success_ratio", "Connected over connection attempts.", ratio)
        }
        out.family("sdk_health_events_total", .counter, "SDK health events, by name.")
        for name in health.keys.sorted() {
            out.sample("sdk_health_events_total", [("name", name)], Double(health[name]!))
        }
        out.family(
            "simulation_notes_total", .counter, "Counters from the simulation (killed, battery_low_entered, ...).")
        for name in notes.keys.sorted() { out.sample("simulation_notes_total", [("name", name)], Double(notes[name]!)) }
    }

    /// What the embedded collector counted.
    private func writeCollector(_ out: inout PrometheusText) {
        if let collector {
            // Not `clickswarm_collector_`: the collector's own /metrics uses that prefix.
            let figures: [(String, String, UInt64)] = [
                (
                    "events_received", "Events in batches the collector accepted, duplicates included.",
                    collector.eventsReceived
                ),
                (
                    "unique_deliveries", "Distinct events of this run the collector delivered.",
                    collector.uniqueDeliveries
                ),
                ("duplicate_deliveries", "Deliveries of an event already delivered.", collector.duplicateDeliveries),
                ("foreign_events", "Events whose guid is not from this run.", collector.foreign),
                (
                    "batches_ack_lost", "Delivered batches whose ack the fault injection withheld.",
                    collector.batchesAckLost
                ),
                ("batches_error_injected", "Batches answered with an injected error.", collector.batchesErrorInjected),
                (
                    "lost_after_ack_events", "Events acked OK and then lost by a failed publish (immediate acks).",
                    collector.lostAfterAck
                ),
                (
                    "connections_refused_outage", "Connections refused during an injected outage.",
                    collector.connectionsRefusedOutage
                ),
                (
                    "connections_rejected", "Connections rejected (limit, bad handshake, duplicate id).",
                    collector.connectionsRejected
                ),
            ]
            for (name, help, value) in figures { out.counter("run_collector_\(name)_total", help, value) }
        }
    }

    /// The reconciliation.
    private func writeReconciliation(_ out: inout PrometheusText) {
        out.gauge("reconciliation_balanced", "1 if every event is accounted for.", reconciliation.balanced ? 1 : 0)
        out.family("reconciliation_unaccounted_events", .gauge, "Events unaccounted for, by event type (should be 0).")
        for row in reconciliation.eventTypes {
            out.sample("reconciliation_unaccounted_events", [("event_type", row.eventType)], Double(row.unaccounted))
        }
        let delivery = reconciliation.delivery
        out.gauge(
            "reconciliation_delivery_checked", "1 if acks were checked against the collector's deliveries.",
            delivery.checked ? 1 : 0)
        if delivery.checked {
            out.gauge(
                "reconciliation_acked_not_delivered_events", "Acked but never delivered (lost data).",
                Double(delivery.ackedNotDelivered))
            out.gauge(
                "reconciliation_lost_after_ack_events",
                "Acked but never delivered because the collector lost them after acking: explained.",
                Double(delivery.lostAfterAck))
            out.gauge(
                "reconciliation_delivered_not_acked_events", "Delivered but the ack was lost.",
                Double(delivery.deliveredNotAcked))
        }
        out.gauge("reconciliation_problems", "Things that do not add up.", Double(reconciliation.problems.count))
    }

    /// The SLOs.
    private func writeSLOs(_ out: inout PrometheusText) {
        out.family("slo_passed", .gauge, "1 if the SLO passed.")
        for slo in slos { out.sample("slo_passed", [("slo", slo.name), ("metric", slo.metric)], slo.passed ? 1.0 : 0) }
        out.family("slo_actual", .gauge, "The SLO's figure (seconds or a fraction); absent without data.")
        for slo in slos {
            if let actual = slo.actual {
                out.sample("slo_actual", [("slo", slo.name), ("metric", slo.metric)], actual)
            }
        }
        out.family("slo_threshold", .gauge, "The SLO's threshold; comparison says which side passes.")
        for slo in slos {
            out.sample(
                "slo_threshold", [("slo", slo.name), ("metric", slo.metric), ("comparison", slo.comparison)],
                slo.threshold)
        }
    }

    private static func outcomes(_ funnel: FunnelFigures) -> [(String, Double)] {
        [
            ("generated", Double(funnel.generated)), ("sampled_out", Double(funnel.sampledOut)),
            ("dropped", Double(funnel.dropped)), ("acked", Double(funnel.acked)),
        ]
    }
}
