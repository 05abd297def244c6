extension RunReport {
    /// The report as GitHub-flavoured Markdown, for a CI job summary (`$GITHUB_STEP_SUMMARY`): the
    /// verdict first, then run, funnel, latency, breakdowns, collector, reconciliation and SLOs.
    public func markdown() -> String {
        var out: [String] = []
        markdownHeadline(&out)
        markdownFunnel(&out)
        markdownLatency(&out)
        markdownConnections(&out)
        markdownCollector(&out)
        markdownAudit(&out)
        markdownReconciliation(&out)
        markdownSLOs(&out)
        return out.joined(separator: "\n")
    }

    /// The verdict, the headline and the run table.
    private func markdownHeadline(_ out: inout [String]) {
        let verdictText: String
        switch verdict {
        case .passed: verdictText = "✅ PASSED"
        case .sloFailed: verdictText = "❌ SLO FAILED"
        case .unbalanced: verdictText = "❌ UNBALANCED"
        }
        let failed = slos.filter { !$0.passed }.count
        var headline = "# \(verdictText): \(Markup.markdownCell(run.scenario))"
        if !slos.isEmpty { headline += " (\(slos.count - failed)/\(slos.count) SLOs passed)" }
        out.append(headline)
        out.append("")
        if run.interrupted { out += ["> **Interrupted:** the figures cover only the part that ran.", ""] }
        if run.partial == true {
            out += [
                "> **Partial:** written during the run at \(run.endedAt); events not yet acked count as pending.", "",
            ]
        }
        if !run.description.isEmpty { out += [Markup.markdownCell(run.description), ""] }

        out.append("## Run")
        out.append("")
        var runRows: [[String]] = [
            ["run id", run.id], ["mode", run.mode.rawValue], ["target", run.target],
            ["devices", Formatting.count(run.devices)],
            ["duration", "\(Markup.number(run.durationS))s + \(Markup.number(run.drainS))s drain"],
            ["seed", String(run.seed)], ["started", run.startedAt], ["ended", run.endedAt],
            ["wall time", "\(Markup.number(run.wallSeconds, decimals: 1))s"],
        ]
        if !run.scenarioFile.isEmpty { runRows.append(["scenario file", run.scenarioFile]) }
        if let shard = run.shard { runRows.append(["shard", "\(shard.index + 1) of \(shard.count)"]) }
        runRows.append(["clickswarm", run.toolVersion])
        out += Self.table(["", ""], runRows, alignRight: [])
    }

    /// The funnel.
    private func markdownFunnel(_ out: inout [String]) {
        out += ["## Funnel", ""]
        out += Self.table(
            ["generated", "sampled out", "dropped", "acked", "pending", "delivery"],
            [
                [
                    Formatting.count(totals.generated), Formatting.count(totals.sampledOut),
                    Formatting.count(totals.dropped), Formatting.count(totals.acked),
                    Formatting.count(totals.pendingAtEnd), Formatting.percent(totals.deliveryRatio),
                ]
            ], alignRight: Array(0..<6))
        if totals.dropped > 0 {
            out += ["Dropped by reason: \(Markup.markdownCell(Formatting.reasons(totals.droppedByReason))).", ""]
        }
        out += [
            "Sends \(Formatting.count(totals.sends)), resends \(Formatting.count(totals.resends)), timeouts "
                + "\(Formatting.count(totals.timeouts)), error answers \(Formatting.count(totals.errorAnswers)), "
                + "released for retry \(Formatting.count(totals.released)). Delivery is acked over deliverable "
                + "(generated minus sampled out and drop-list drops).",
            "",
        ]
    }

    /// Latency, and the breakdowns by flavor, network and event type.
    private func markdownLatency(_ out: inout [String]) {
        out += ["## Latency", ""]
        let histograms: [(String, HistogramSummary)] = [
            ("event (intended time to ack)", latency.event), ("batch round trip", latency.batchRoundTrip),
            ("connect", latency.connect), ("time to first ack", latency.timeToFirstAck),
        ]
        out += Self.table(
            ["figure", "count", "p50", "p90", "p99", "p99.9", "max"],
            histograms.map { name, summary in
                [
                    name, Formatting.count(summary.count), Formatting.milliseconds(summary.p50Ms),
                    Formatting.milliseconds(summary.p90Ms), Formatting.milliseconds(summary.p99Ms),
                    Formatting.milliseconds(summary.p99_9Ms), Formatting.milliseconds(summary.maxMs),
                ]
            }, alignRight: Array(1..<7))

        out += ["## By SDK flavor", ""] + breakdown("flavor", byFlavor, latency.eventByFlavor)
        out += ["## By network profile", ""] + breakdown("network", byNetwork, latency.eventByNetwork)

        out += ["## By event type", ""]
        out += Self.table(
            ["event type", "generated", "sampled out", "dropped", "acked", "pending", "delivery"],
            byEventType.keys.sorted().map { name in
                let funnel = byEventType[name]!
                return [
                    name, Formatting.count(funnel.generated), Formatting.count(funnel.sampledOut),
                    Formatting.count(funnel.dropped), Formatting.count(funnel.acked),
                    Formatting.count(funnel.pendingAtEnd), Formatting.percent(funnel.deliveryRatio),
                ]
            }, alignRight: Array(1..<7))
    }

    /// Connections.
    private func markdownConnections(_ out: inout [String]) {
        out += ["## Connections", ""]
        out += Self.table(
            ["attempts", "connected", "success"],
            [
                [
                    Formatting.count(connections.attempts), Formatting.count(connections.connected),
                    Formatting.percent(connections.successRatio),
                ]
            ], alignRight: [0, 1, 2])
        if !connections.failedByReason.isEmpty {
            out += ["Failed: \(Markup.markdownCell(Formatting.reasons(connections.failedByReason))).", ""]
        }
        if !connections.disconnectedByReason.isEmpty {
            out += ["Disconnected: \(Markup.markdownCell(Formatting.reasons(connections.disconnectedByReason))).", ""]
        }
        if !health.isEmpty { out += ["SDK health events: \(Markup.markdownCell(Formatting.reasons(health))).", ""] }
        if !notes.isEmpty { out += ["Simulation: \(Markup.markdownCell(Formatting.reasons(notes))).", ""] }
    }

    /// The collector's accounting.
    private func markdownCollector(_ out: inout [String]) {
        out += ["## Collector accounting", ""]
        if let collector {
            out += Self.table(
                [
                    "events received", "unique", "duplicates", "foreign", "acks lost", "errors injected",
                    "lost after ack", "refused",
                ],
                [
                    [
                        Formatting.count(collector.eventsReceived), Formatting.count(collector.uniqueDeliveries),
                        Formatting.count(collector.duplicateDeliveries), Formatting.count(collector.foreign),
                        Formatting.count(collector.batchesAckLost), Formatting.count(collector.batchesErrorInjected),
                        Formatting.count(collector.lostAfterAck),
                        Formatting.count(collector.connectionsRefusedOutage + collector.connectionsRejected),
                    ]
                ], alignRight: Array(0..<8))
            if let kafka = collector.kafka {
                let failed = kafka.failed.isEmpty ? "none" : Formatting.reasons(kafka.failed)
                out += [
                    "Kafka (\(Markup.markdownCell(kafka.bootstrapServers)), topics "
                        + "`\(Markup.markdownCell(kafka.topicPattern))`, ack \(kafka.ackMode)): "
                        + "\(Formatting.count(kafka.delivered)) events published; not published: "
                        + "\(Markup.markdownCell(failed)).", "",
                ]
            }
        } else {
            out += [
                "No collector accounting: the run used a remote collector (\(Markup.markdownCell(run.target))).", "",
            ]
        }
    }

    /// The reconciliation.
    private func markdownReconciliation(_ out: inout [String]) {
        out += ["## Reconciliation", ""]
        out.append(
            reconciliation.balanced
                ? "✅ **Balanced**: every event is sampled out, dropped, acked or pending."
                : "❌ **Unbalanced**: events are unaccounted for.")
        out.append("")
        out += Self.table(
            ["event type", "generated", "sampled out", "dropped", "acked", "pending", "unaccounted"],
            reconciliation.eventTypes.map { row in
                [
                    row.eventType, Formatting.count(row.generated), Formatting.count(row.sampledOut),
                    Formatting.count(row.dropped), Formatting.count(row.acked), Formatting.count(row.pendingAtEnd),
                    Formatting.count(row.unaccounted),
                ]
            }, alignRight: Array(1..<7))
        let delivery = reconciliation.delivery
        if delivery.checked {
            out += [
                "Acks checked against the collector: acked \(Formatting.count(delivery.acked)), delivered "
                    + "\(Formatting.count(delivery.deliveredUnique)), acked but not delivered "
                    + "\(Formatting.count(delivery.ackedNotDelivered)), lost by the collector after its ack "
                    + "\(Formatting.count(delivery.lostAfterAck)), delivered but not acked (ack lost) "
                    + "\(Formatting.count(delivery.deliveredNotAcked)), duplicates "
                    + "\(Formatting.count(delivery.duplicates)).",
                "",
            ]
        } else {
            out += ["Acks not checked against deliveries (remote collector).", ""]
        }
        if !reconciliation.problems.isEmpty {
            out += reconciliation.problems.map { "- \(Markup.markdownCell($0))" } + [""]
        }
    }

    /// The SLOs.
    private func markdownSLOs(_ out: inout [String]) {
        out += ["## SLOs", ""]
        if slos.isEmpty {
            out += ["The scenario sets no SLOs.", ""]
        } else {
            out += Self.table(
                ["", "SLO", "metric", "actual", "threshold"],
                slos.map { slo in
                    [
                        slo.passed ? "✅ pass" : "❌ FAIL", slo.name, slo.metric,
                        slo.actual.map { Formatting.figure($0, beside: slo.threshold) }
                            ?? "no data (\(slo.detail ?? "-"))",
                        "\(slo.comparison) \(Markup.number(slo.threshold, decimals: 6))",
                    ]
                }, alignRight: [])
        }
    }

    private func breakdown(
        _ dimension: String, _ funnels: [String: FunnelFigures], _ latencies: [String: HistogramSummary]
    ) -> [String] {
        Self.table(
            [dimension, "generated", "acked", "dropped", "pending", "delivery", "p50", "p99"],
            funnels.keys.sorted().map { name in
                let funnel = funnels[name]!
                return [
                    name, Formatting.count(funnel.generated), Formatting.count(funnel.acked),
                    Formatting.count(funnel.dropped), Formatting.count(funnel.pendingAtEnd),
                    Formatting.percent(funnel.deliveryRatio), Formatting.milliseconds(latencies[name]?.p50Ms),
                    Formatting.milliseconds(latencies[name]?.p99Ms),
                ]
            }, alignRight: Array(1..<8))
    }

    /// A Markdown table and a blank line; every cell escaped. No rows gives a "none" line.
    static func markdownTable(_ header: [String], _ rows: [[String]], alignRight: [Int]) -> [String] {
        table(header, rows, alignRight: alignRight)
    }

    private static func table(_ header: [String], _ rows: [[String]], alignRight: [Int]) -> [String] {
        guard !rows.isEmpty else { return ["None.", ""] }
        func line(_ cells: [String]) -> String { "| " + cells.map(Markup.markdownCell).joined(separator: " | ") + " |" }
        let rule = "|" + header.indices.map { alignRight.contains($0) ? "---:" : "---" }.joined(separator: "|") + "|"
        return [line(header), rule] + rows.map(line) + [""]
    }
}
