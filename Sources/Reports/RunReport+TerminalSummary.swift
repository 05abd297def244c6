extension RunReport {
    /// A compact human summary for the terminal; `color` adds ANSI colors to verdicts.
    public func terminalSummary(color: Bool) -> String {
        let style = Style(color: color)
        var lines: [String] = []
        let shard = run.shard.map { "  shard \($0.index + 1)/\($0.count)" } ?? ""
        lines.append(
            style.bold("ClickSwarm \(run.scenario)") + "  run \(run.id)  \(run.mode.rawValue)  "
                + "\(Formatting.count(run.devices)) devices  \(Self.duration(run.durationS)) + "
                + "\(Self.duration(run.drainS)) drain  seed \(run.seed)  target \(run.target)\(shard)")
        if run.interrupted { lines.append(style.red("  interrupted: figures cover only the part that ran")) }
        if run.tls?.verified == false {
            lines.append(
                style.red("  warning: --insecure: the collector's TLS certificate and host name were not checked"))
        }
        if run.partial == true {
            lines.append(
                style.red(
                    "  partial: written during the run at \(run.endedAt); the run did not finish here (still running, "
                        + "or killed); events not yet acked count as pending"))
        }
        let dropped =
            totals.dropped > 0
            ? "\(Formatting.count(totals.dropped)) (\(Formatting.reasons(totals.droppedByReason)))" : "0"
        lines.append(
            "Events       generated \(Formatting.count(totals.generated))  sampled out "
                + "\(Formatting.count(totals.sampledOut))  dropped \(dropped)  acked \(Formatting.count(totals.acked))"
                + "  pending \(Formatting.count(totals.pendingAtEnd))")
        lines.append(
            "Delivery     \(Formatting.percent(totals.deliveryRatio)) of deliverable acked  "
                + "resends \(Formatting.count(totals.resends))  timeouts \(Formatting.count(totals.timeouts))  "
                + "error answers \(Formatting.count(totals.errorAnswers))")
        lines.append("Latency      " + Self.percentiles(latency.event, full: true))
        lines.append("Batch RTT    " + Self.percentiles(latency.batchRoundTrip, full: false))
        lines.append("Connect      " + Self.percentiles(latency.connect, full: false))
        lines.append("First ack    " + Self.percentiles(latency.timeToFirstAck, full: false))
        lines.append(connectionsLine)
        lines += table("flavor", byFlavor, latency.eventByFlavor)
        lines += table("network", byNetwork, latency.eventByNetwork)
        if let collector {
            lines.append(
                "Collector    received \(Formatting.count(collector.eventsReceived))  unique "
                    + "\(Formatting.count(collector.uniqueDeliveries))  duplicates "
                    + "\(Formatting.count(collector.duplicateDeliveries))  acks lost "
                    + "\(Formatting.count(collector.batchesAckLost))  errors injected "
                    + "\(Formatting.count(collector.batchesErrorInjected))  lost after ack "
                    + "\(Formatting.count(collector.lostAfterAck))  refused "
                    + "\(Formatting.count(collector.connectionsRefusedOutage + collector.connectionsRejected))")
            if let kafka = collector.kafka {
                let failed = kafka.failed.isEmpty ? "" : " (\(Formatting.reasons(kafka.failed)))"
                lines.append(
                    "Kafka        published \(Formatting.count(kafka.delivered))  failed "
                        + "\(Formatting.count(kafka.failedTotal))\(failed)  batches answered with a publish error "
                        + "\(Formatting.count(kafka.batchesPublishFailed))  ack \(kafka.ackMode)")
            }
        }
        if let line = auditSummaryLine { lines.append(line) }
        if reconciliation.balanced {
            let checked = reconciliation.delivery.checked ? " (acks checked against deliveries)" : ""
            lines.append("Reconcile    " + style.green("balanced") + checked)
        } else {
            lines.append("Reconcile    " + style.red("UNBALANCED"))
            lines += reconciliation.problems.map { "  - \($0)" }
        }
        for slo in slos {
            let mark = slo.passed ? style.green("PASS") : style.red("FAIL")
            let actual =
                slo.actual.map { Formatting.figure($0, beside: slo.threshold) } ?? "no data (\(slo.detail ?? "-"))"
            lines.append(
                "SLO  \(mark)  \(slo.name): \(slo.metric) \(actual) \(slo.comparison) \(Formatting.figure(slo.threshold))"
            )
        }
        let verdictText: String
        switch verdict {
        case .passed: verdictText = style.green("PASSED")
        case .sloFailed: verdictText = style.red("SLO FAILED")
        case .unbalanced: verdictText = style.red("UNBALANCED")
        }
        lines.append(style.bold("Verdict") + "      " + verdictText)
        return lines.joined(separator: "\n") + "\n"
    }

    private func table(
        _ dimension: String, _ funnels: [String: FunnelFigures], _ latencies: [String: HistogramSummary]
    ) -> [String] {
        guard !funnels.isEmpty else { return [] }
        let width = max(dimension.count, funnels.keys.map(\.count).max() ?? 0) + 2
        let columns = ["generated", "acked", "dropped", "pending", "delivery", "p50", "p99"]
        var lines = [
            "  " + Formatting.padded(dimension, width) + columns.map { Formatting.leftPadded($0, 11) }.joined()
        ]
        for name in funnels.keys.sorted() {
            let funnel = funnels[name]!
            let summary = latencies[name]
            let cells = [
                Formatting.count(funnel.generated), Formatting.count(funnel.acked), Formatting.count(funnel.dropped),
                Formatting.count(funnel.pendingAtEnd), Formatting.percent(funnel.deliveryRatio),
                Formatting.milliseconds(summary?.p50Ms), Formatting.milliseconds(summary?.p99Ms),
            ]
            lines.append("  " + Formatting.padded(name, width) + cells.map { Formatting.leftPadded($0, 11) }.joined())
        }
        return lines
    }

    private static func percentiles(_ summary: HistogramSummary, full: Bool) -> String {
        guard summary.count > 0 else { return "no data" }
        var parts = ["p50 \(Formatting.milliseconds(summary.p50Ms))", "p90 \(Formatting.milliseconds(summary.p90Ms))"]
        parts.append("p99 \(Formatting.milliseconds(summary.p99Ms))")
        if full { parts.append("p99.9 \(Formatting.milliseconds(summary.p99_9Ms))") }
        parts.append("max \(Formatting.milliseconds(summary.maxMs))")
        parts.append(
            "(n \(Formatting.count(summary.count))\(summary.clamped > 0 ? ", \(summary.clamped) over 1h" : ""))")
        return parts.joined(separator: "  ")
    }

    private static func duration(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }

    /// `Connections  attempts ...  connected ...  failed ... (reasons)  disconnected ... (reasons)`.
    private var connectionsLine: String {
        var connectionLine =
            "Connections  attempts \(Formatting.count(connections.attempts))  connected "
            + "\(Formatting.count(connections.connected))  success \(Formatting.percent(connections.successRatio))"
        let failed = connections.failedByReason.values.reduce(0, +)
        if let inFlight = connections.inFlightAtEnd {
            connectionLine += "  in flight at the end \(Formatting.count(inFlight))"
        }
        if failed > 0 {
            connectionLine += "  failed \(Formatting.count(failed)) (\(Formatting.reasons(connections.failedByReason)))"
        }
        let closed = connections.disconnectedByReason.values.reduce(0, +)
        if closed > 0 {
            connectionLine +=
                "  disconnected \(Formatting.count(closed)) (\(Formatting.reasons(connections.disconnectedByReason)))"
        }
        return connectionLine
    }

    private struct Style {
        var color: Bool
        func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
        func green(_ text: String) -> String { color ? "\u{1B}[32m\(text)\u{1B}[0m" : text }
        func red(_ text: String) -> String { color ? "\u{1B}[31m\(text)\u{1B}[0m" : text }
    }
}
