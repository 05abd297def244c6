import Foundation

extension CapacityReport {
    /// One line on what the search found, as the terminal and the HTML page say it.
    public var headline: String {
        let unit = vary == "devices" ? "devices" : "x the scenario's event rate"
        func load(_ value: Double) -> String { Markup.number(value, decimals: 3) }
        var text: String
        switch outcome {
        case .found:
            text = "knee: \(load(knee ?? 0)) \(unit) met every SLO; \(load(firstFailure ?? 0)) did not"
        case .aboveRange:
            text = "no knee up to \(load(to)) \(unit): every step met every SLO (raise --to)"
        case .belowRange:
            text = "no knee from \(load(from)) \(unit): the first step already broke an SLO (lower --from)"
        case .generatorBottleneck:
            text = "the generator is the bottleneck, not the collector: " + (bottleneck ?? "")
        case .interrupted:
            text = "interrupted after \(steps.count) steps"
        }
        if let rate = kneeEventsPerSecond { text += " (\(Markup.number(rate, decimals: 1)) events/s acked)" }
        if let broken = brokenSLO {
            let actual = broken.actual.map { Markup.number($0, decimals: 4) } ?? "no data"
            let excess = broken.excess.map { ", \(Markup.number($0 * 100, decimals: 1))% past it" } ?? ""
            text += "; first SLO broken: \(broken.name) (\(broken.metric) \(actual) against \(broken.comparison) "
            text += "\(Markup.number(broken.threshold, decimals: 4))\(excess))"
        }
        if let limit = collectorLimitEventsPerSecond {
            text += "; the collector's limit is \(Markup.number(limit, decimals: 1)) events/s"
        }
        if belowFloor, let atLeast { text += "; below capacity.at_least \(Markup.number(atLeast, decimals: 3))" }
        return text
    }

    /// The steps as a table of columns.
    var tableRows: (header: [String], rows: [[String]]) {
        func value(_ number: Double?, _ decimals: Int) -> String {
            number.map { Markup.number($0, decimals: decimals) } ?? "-"
        }
        let header = [
            vary == "devices" ? "load" : "rate x", "devices", "offered/s", "acked/s", "p50 ms", "p99 ms", "delivery",
            "errors", "cpu cores", "rss MiB",
            "result",
        ]
        let rows = steps.map { step in
            [
                value(step.load, 3), String(step.devices), value(step.offeredPerSecond, 1),
                value(step.ackedPerSecond, 1), value(step.latencyP50Ms, 1), value(step.latencyP99Ms, 1),
                value(step.deliveryRatio, 4), value(step.errorAnswerRatio, 4), value(step.generatorCPUCores, 2),
                value(step.generatorRSSMiB, 1), step.passed ? "pass" : "FAIL " + (step.worstFailure?.name ?? ""),
            ]
        }
        return (header, rows)
    }

    /// The terminal table: one row per step in the order run, then the headline.
    public func terminalTable() -> String {
        let (header, rows) = tableRows
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index == cells.count - 1 ? cell : pad + cell
            }.joined(separator: "  ")
        }
        var out = "capacity search: \(scenario), \(mode.rawValue), varying \(vary) from "
        out += "\(Markup.number(from, decimals: 3)) to \(Markup.number(to, decimals: 3)), "
        out += "\(Markup.number(stepDurationS, decimals: 1)) s steps (first \(Markup.number(warmUpS, decimals: 1)) s "
        out += "left out), precision \(Markup.number(precision * 100, decimals: 1))%\n"
        out += ([header] + rows).map(line).joined(separator: "\n")
        return out + "\n" + headline
    }

    /// A self-contained HTML page (inline CSS and SVG, as a run report's): the headline, the
    /// load-vs-latency and load-vs-delivery curves with the knee marked, and the steps' table.
    public func html() -> String {
        let sorted = steps.sorted { $0.load < $1.load }
        let xLabel = vary == "devices" ? "devices" : "event rate (x the scenario's)"
        let markers = knee.map { [(x: $0, label: "knee \(Markup.number($0, decimals: 3))")] } ?? []
        var latency = SVGLineChart(
            title: "Event latency by load", xLabel: xLabel, yLabel: "ms",
            series: [
                .init(
                    name: "p50", color: RunReport.Colors.p50, points: sorted.map { ($0.load, $0.latencyP50Ms) }),
                .init(
                    name: "p99", color: RunReport.Colors.p99, points: sorted.map { ($0.load, $0.latencyP99Ms) }),
            ])
        latency.markers = markers
        var delivery = SVGLineChart(
            title: "Delivery ratio by load", xLabel: xLabel, yLabel: "acked / generated",
            series: [
                .init(
                    name: "delivery ratio", color: RunReport.Colors.acked,
                    points: sorted.map { ($0.load, $0.deliveryRatio) })
            ], yFormat: { Markup.number($0, decimals: 2) })
        delivery.markers = markers
        let (header, rows) = tableRows
        let badge = outcome == .found && !belowFloor ? "pass" : "fail"
        var body = "<h1>Capacity of \(Markup.escape(target)): \(Markup.escape(scenario))</h1>\n"
        body += "<p><span class=\"badge \(badge)\">\(Markup.escape(outcome.rawValue))</span> "
        body += "\(Markup.escape(headline))</p>\n"
        body += "<section>\n<h2>Load and latency</h2>\n\(latency.svg)\n</section>\n"
        body += "<section>\n<h2>Load and delivery</h2>\n\(delivery.svg)\n</section>\n"
        body += "<section>\n<h2>Steps</h2>\n"
        body += RunReport.table(header, rows, textColumns: [header.count - 1])
        body += "<p class=\"note\">Figures after each step's first \(Markup.number(warmUpS, decimals: 1)) s. "
        body += "Latency runs from each event's intended time to its ack.</p>\n</section>\n"
        body += "<footer>clickswarm \(Markup.escape(RunInfo.toolVersion)), capacity search "
        body += "(\(Markup.escape(mode.rawValue))). Self-contained: no scripts, fonts or images are loaded.</footer>\n"
        return RunReport.htmlPage(title: "ClickSwarm capacity \(scenario): \(outcome.rawValue)", body: body)
    }
}
