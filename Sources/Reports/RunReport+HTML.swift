import Foundation

extension RunReport {
    /// The report as one self-contained HTML page that works offline: inline CSS and inline SVG
    /// charts, no script, font or image fetched. It is well-formed XHTML (every element closed,
    /// every attribute quoted, all text escaped), so XML tools can read it too.
    public func html() -> String {
        var body = ""
        body += header()
        body += section("Throughput", throughputCharts())
        body += section("Latency", latencyCharts())
        body += section("Funnel per event type", funnelPerEventType())
        body += section("By SDK flavor", breakdown("flavor", byFlavor, latency.eventByFlavor))
        body += section("By network profile", breakdown("network", byNetwork, latency.eventByNetwork))
        body += section("Connections", connectionsPart())
        body += section("Collector accounting", collectorPart())
        if audit != nil { body += section("Kafka audit", auditPart()) }
        body += section("Reconciliation", reconciliationPart())
        body += section("SLOs", sloPart())
        body +=
            "<footer>clickswarm \(Markup.escape(run.toolVersion)), report schema \(schemaVersion). "
            + "Self-contained: no scripts, fonts or images are loaded.</footer>\n"

        return Self.htmlPage(title: "ClickSwarm \(run.scenario) \(run.id): \(verdict.rawValue)", body: body)
    }

    /// A self-contained XHTML page around `body`, with the reports' style sheet; `title` is
    /// escaped here. The run report and the capacity page share it.
    static func htmlPage(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>\(Markup.escape(title))</title>
        <style>
        \(css)
        </style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }

    static let css = """
        body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0 auto; max-width: 980px;
          padding: 16px; color: #222; background: #fff; }
        h1 { font-size: 1.5em; margin-bottom: 4px; }
        h2 { font-size: 1.2em; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 28px; }
        h3 { font-size: 1em; margin: 16px 0 4px; }
        table { border-collapse: collapse; margin: 8px 0; font-size: 0.9em; }
        th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
        th:first-child, td:first-child, td.text { text-align: left; }
        th { background: #f4f4f4; }
        .badge { display: inline-block; padding: 2px 10px; border-radius: 4px; color: #fff; font-weight: bold; }
        .pass { background: #2e7d32; }
        .fail { background: #c62828; }
        .note { color: #555; font-size: 0.85em; }
        .problems li { color: #c62828; }
        svg.chart { display: block; max-width: 100%; height: auto; margin: 4px 0 12px; }
        svg .grid { stroke: #eee; }
        svg .axis { stroke: #888; }
        svg .tick, svg .legend { font-size: 11px; fill: #444; }
        svg .label { font-size: 11px; fill: #666; }
        svg .track { fill: #f4f4f4; }
        footer { margin-top: 32px; color: #777; font-size: 0.8em; }
        """

    enum Colors {
        static let generated = "#4e79a7"
        static let acked = "#59a14f"
        static let dropped = "#e15759"
        static let sampledOut = "#bab0ac"
        static let pending = "#f28e2b"
        static let online = "#76b7b2"
        static let p50 = "#59a14f"
        static let p90 = "#edc948"
        static let p99 = "#f28e2b"
        static let max = "#e15759"
    }

    private func section(_ title: String, _ content: String) -> String {
        "<section>\n<h2>\(Markup.escape(title))</h2>\n\(content)</section>\n"
    }

    private func header() -> String {
        let badge: String
        switch verdict {
        case .passed: badge = "<span class=\"badge pass\">PASSED</span>"
        case .sloFailed: badge = "<span class=\"badge fail\">SLO FAILED</span>"
        case .unbalanced: badge = "<span class=\"badge fail\">UNBALANCED</span>"
        }
        var out = "<header>\n<h1>ClickSwarm: \(Markup.escape(run.scenario)) \(badge)</h1>\n"
        if !run.description.isEmpty { out += "<p>\(Markup.escape(run.description))</p>\n" }
        if run.interrupted {
            out += "<p class=\"problems\"><strong>Interrupted:</strong> the figures cover only the part that ran.</p>\n"
        }
        if run.partial == true {
            out +=
                "<p class=\"problems\"><strong>Partial:</strong> written during the run at \(Markup.escape(run.endedAt)); "
                + "events not yet acked count as pending.</p>\n"
        }
        var rows: [[String]] = [
            ["run id", run.id], ["mode", run.mode.rawValue], ["target", run.target],
            ["devices", Formatting.count(run.devices)],
            ["duration", "\(Markup.number(run.durationS))s + \(Markup.number(run.drainS))s drain"],
            ["seed", String(run.seed)], ["started", run.startedAt], ["ended", run.endedAt],
            ["wall time", "\(Markup.number(run.wallSeconds, decimals: 1))s"],
        ]
        if !run.scenarioFile.isEmpty { rows.append(["scenario file", run.scenarioFile]) }
        if let shard = run.shard { rows.append(["shard", "\(shard.index + 1) of \(shard.count)"]) }
        out += Self.table(nil, rows, textColumns: [0, 1])
        out += "<h3>Events</h3>\n"
        out += Self.table(
            ["generated", "sampled out", "dropped", "acked", "pending", "delivery", "event p99"],
            [
                [
                    Formatting.count(totals.generated), Formatting.count(totals.sampledOut),
                    Formatting.count(totals.dropped), Formatting.count(totals.acked),
                    Formatting.count(totals.pendingAtEnd), Formatting.percent(totals.deliveryRatio),
                    Formatting.milliseconds(latency.event.p99Ms),
                ]
            ])
        out +=
            "<p class=\"note\">Sends \(Formatting.count(totals.sends)), resends \(Formatting.count(totals.resends)), "
            + "timeouts \(Formatting.count(totals.timeouts)), error answers \(Formatting.count(totals.errorAnswers)), "
            + "released for retry \(Formatting.count(totals.released)). Delivery is acked over deliverable (generated "
            + "minus sampled out and drop-list drops).</p>\n"
        return out + "</header>\n"
    }

    /// The series in at most `maxPoints` rows: rates averaged over each bin of `binSeconds`,
    /// devices online at the bin's end, latency the worst second of the bin.
    private static func funnelValues(_ funnel: FunnelFigures) -> [Double] {
        [
            Double(funnel.acked), Double(max(0, funnel.pendingAtEnd)), Double(funnel.dropped),
            Double(funnel.sampledOut),
        ]
    }

    private func funnelPerEventType() -> String {
        guard !byEventType.isEmpty else { return "<p>No events.</p>\n" }
        let names = byEventType.keys.sorted()
        var out =
            SVGStackedBars(
                title: "Where each event type's events ended", segments: Self.funnelSegments,
                rows: names.map { ($0, Self.funnelValues(byEventType[$0]!)) }
            ).svg + "\n"
        out += Self.table(
            ["event type", "generated", "sampled out", "dropped", "by reason", "acked", "pending", "delivery"],
            names.map { name in
                let funnel = byEventType[name]!
                return [
                    name, Formatting.count(funnel.generated), Formatting.count(funnel.sampledOut),
                    Formatting.count(funnel.dropped), Formatting.reasons(funnel.droppedByReason),
                    Formatting.count(funnel.acked), Formatting.count(funnel.pendingAtEnd),
                    Formatting.percent(funnel.deliveryRatio),
                ]
            }, textColumns: [0, 4])
        return out
    }

    private func breakdown(
        _ dimension: String, _ funnels: [String: FunnelFigures], _ latencies: [String: HistogramSummary]
    ) -> String {
        guard !funnels.isEmpty else { return "<p>No events.</p>\n" }
        let names = funnels.keys.sorted()
        var out =
            SVGStackedBars(
                title: "Where events ended, by \(dimension)", segments: Self.funnelSegments,
                rows: names.map { ($0, Self.funnelValues(funnels[$0]!)) }
            ).svg + "\n"
        out += Self.table(
            [dimension, "generated", "acked", "dropped", "pending", "delivery", "p50", "p90", "p99", "max"],
            names.map { name in
                let funnel = funnels[name]!
                let summary = latencies[name]
                return [
                    name, Formatting.count(funnel.generated), Formatting.count(funnel.acked),
                    Formatting.count(funnel.dropped), Formatting.count(funnel.pendingAtEnd),
                    Formatting.percent(funnel.deliveryRatio), Formatting.milliseconds(summary?.p50Ms),
                    Formatting.milliseconds(summary?.p90Ms), Formatting.milliseconds(summary?.p99Ms),
                    Formatting.milliseconds(summary?.maxMs),
                ]
            })
        return out
    }

    private func connectionsPart() -> String {
        var out = Self.table(
            ["attempts", "connected", "success"],
            [
                [
                    Formatting.count(connections.attempts), Formatting.count(connections.connected),
                    Formatting.percent(connections.successRatio),
                ]
            ])
        var rows: [[String]] = []
        for reason in connections.failedByReason.keys.sorted() {
            rows.append(["failed", reason, Formatting.count(connections.failedByReason[reason]!)])
        }
        for reason in connections.disconnectedByReason.keys.sorted() {
            rows.append(["disconnected", reason, Formatting.count(connections.disconnectedByReason[reason]!)])
        }
        for name in health.keys.sorted() { rows.append(["SDK health", name, Formatting.count(health[name]!)]) }
        for name in notes.keys.sorted() { rows.append(["simulation", name, Formatting.count(notes[name]!)]) }
        if !rows.isEmpty { out += Self.table(["what", "reason", "count"], rows, textColumns: [0, 1]) }
        return out
    }

    private func collectorPart() -> String {
        guard let collector else {
            return "<p>No collector accounting: the run used a remote collector (\(Markup.escape(run.target))).</p>\n"
        }
        return Self.table(
            ["figure", "count"],
            [
                ["events received (duplicates included)", Formatting.count(collector.eventsReceived)],
                ["unique deliveries", Formatting.count(collector.uniqueDeliveries)],
                ["duplicate deliveries", Formatting.count(collector.duplicateDeliveries)],
                ["foreign events", Formatting.count(collector.foreign)],
                ["batches whose ack was lost (injected)", Formatting.count(collector.batchesAckLost)],
                ["batches answered with an injected error", Formatting.count(collector.batchesErrorInjected)],
                [
                    "events lost after their ack (immediate acks, failed publish)",
                    Formatting.count(collector.lostAfterAck),
                ],
                ["connections refused in an outage", Formatting.count(collector.connectionsRefusedOutage)],
                ["connections rejected", Formatting.count(collector.connectionsRejected)],
            ])
    }

    private func reconciliationPart() -> String {
        var out =
            reconciliation.balanced
            ? "<p><span class=\"badge pass\">BALANCED</span> Every event is sampled out, dropped, acked or pending.</p>\n"
            : "<p><span class=\"badge fail\">UNBALANCED</span> Events are unaccounted for.</p>\n"
        out += Self.table(
            ["event type", "generated", "sampled out", "dropped", "acked", "pending", "unaccounted"],
            reconciliation.eventTypes.map { row in
                [
                    row.eventType, Formatting.count(row.generated), Formatting.count(row.sampledOut),
                    Formatting.count(row.dropped), Formatting.count(row.acked), Formatting.count(row.pendingAtEnd),
                    Formatting.count(row.unaccounted),
                ]
            })
        let delivery = reconciliation.delivery
        if delivery.checked {
            out += Self.table(
                ["acked", "delivered", "acked, not delivered", "lost after ack", "delivered, ack lost", "duplicates"],
                [
                    [
                        Formatting.count(delivery.acked), Formatting.count(delivery.deliveredUnique),
                        Formatting.count(delivery.ackedNotDelivered), Formatting.count(delivery.lostAfterAck),
                        Formatting.count(delivery.deliveredNotAcked),
                        Formatting.count(delivery.duplicates),
                    ]
                ])
        } else {
            out += "<p class=\"note\">Acks were not checked against deliveries (remote collector).</p>\n"
        }
        if !reconciliation.problems.isEmpty {
            out += "<ul class=\"problems\">\n"
            out += reconciliation.problems.map { "<li>\(Markup.escape($0))</li>\n" }.joined()
            out += "</ul>\n"
        }
        return out
    }

    private func sloPart() -> String {
        guard !slos.isEmpty else { return "<p>The scenario sets no SLOs.</p>\n" }
        var out = "<table>\n<tr><th>verdict</th><th>SLO</th><th>metric</th><th>actual</th><th>threshold</th></tr>\n"
        for slo in slos {
            let badge = slo.passed ? "<span class=\"badge pass\">PASS</span>" : "<span class=\"badge fail\">FAIL</span>"
            let actual =
                slo.actual.map { Formatting.figure($0, beside: slo.threshold) } ?? "no data (\(slo.detail ?? "-"))"
            out += "<tr><td>\(badge)</td><td class=\"text\">\(Markup.escape(slo.name))</td>"
            out += "<td class=\"text\">\(Markup.escape(slo.metric))</td><td>\(Markup.escape(actual))</td>"
            out += "<td>\(Markup.escape(slo.comparison + " " + Markup.number(slo.threshold, decimals: 6)))</td></tr>\n"
        }
        return out + "</table>\n"
    }

    /// An HTML table, every cell escaped; the first column (and `textColumns`) left-aligned.
    static func table(_ header: [String]?, _ rows: [[String]], textColumns: Set<Int> = [0]) -> String {
        guard !rows.isEmpty else { return "<p>None.</p>\n" }
        var out = "<table>\n"
        if let header { out += "<tr>" + header.map { "<th>\(Markup.escape($0))</th>" }.joined() + "</tr>\n" }
        for row in rows {
            out += "<tr>"
            for (index, cell) in row.enumerated() {
                out += textColumns.contains(index) ? "<td class=\"text\">" : "<td>"
                out += Markup.escape(cell) + "</td>"
            }
            out += "</tr>\n"
        }
        return out + "</table>\n"
    }
}
