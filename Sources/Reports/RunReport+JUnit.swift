extension RunReport {
    /// The report as JUnit XML for CI test views: a test suite `clickswarm.<scenario>` with one test
    /// case per SLO and one for the reconciliation (a `failure` element says why one failed), the
    /// run's figures as properties and the terminal summary as `system-out`. The suite's time is the
    /// run's wall time; a check itself takes no time.
    public func junitXML() -> String {
        let suite = "clickswarm.\(run.scenario)"
        var cases: [(name: String, classname: String, failure: (type: String, message: String, detail: String)?)] = []
        for slo in slos {
            let name = "\(slo.name): \(slo.metric) \(slo.comparison) \(Markup.number(slo.threshold, decimals: 6))"
            var failure: (String, String, String)?
            if !slo.passed {
                if let actual = slo.actual {
                    let message =
                        "\(slo.metric) is \(Formatting.figure(actual, beside: slo.threshold)), not \(slo.comparison) "
                        + Markup.number(slo.threshold, decimals: 6)
                    failure = ("slo", message, message)
                } else {
                    let message = "\(slo.metric) has no data: \(slo.detail ?? "no figure")"
                    failure = ("slo", message, message)
                }
            }
            cases.append((name, "\(suite).slo", failure))
        }
        var reconciliationFailure: (String, String, String)?
        if !reconciliation.balanced {
            let problems = reconciliation.problems.isEmpty ? ["events are unaccounted for"] : reconciliation.problems
            reconciliationFailure = (
                "unbalanced",
                "unbalanced: \(problems[0])" + (problems.count > 1 ? " (and \(problems.count - 1) more)" : ""),
                problems.joined(separator: "\n")
            )
        }
        cases.append(("reconciliation", suite, reconciliationFailure))
        let failures = cases.filter { $0.failure != nil }.count
        let time = Markup.number(run.wallSeconds, decimals: 3)
        let timestamp = run.startedAt.hasSuffix("Z") ? String(run.startedAt.dropLast()) : run.startedAt

        var properties: [(String, String)] = [
            ("scenario", run.scenario), ("run_id", run.id), ("mode", run.mode.rawValue), ("target", run.target),
            ("seed", String(run.seed)), ("devices", String(run.devices)),
            ("duration_s", Markup.number(run.durationS)), ("drain_s", Markup.number(run.drainS)),
            ("started_at", run.startedAt), ("ended_at", run.endedAt), ("interrupted", String(run.interrupted)),
            ("tool_version", run.toolVersion), ("verdict", verdict.rawValue),
            ("generated", String(totals.generated)), ("acked", String(totals.acked)),
            ("dropped", String(totals.dropped)), ("pending_at_end", String(totals.pendingAtEnd)),
        ]
        if let ratio = totals.deliveryRatio { properties.append(("delivery_ratio", Markup.number(ratio, decimals: 6))) }
        if let p99 = latency.event.p99Ms { properties.append(("event_latency_p99_ms", Markup.number(p99))) }
        if let shard = run.shard { properties.append(("shard", "\(shard.index)/\(shard.count)")) }

        func attribute(_ name: String, _ value: String) -> String { " \(name)=\"\(Markup.escape(value))\"" }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out +=
            "<testsuites" + attribute("name", "clickswarm") + attribute("tests", String(cases.count))
            + attribute("failures", String(failures)) + attribute("errors", "0") + attribute("time", time) + ">\n"
        out +=
            "  <testsuite" + attribute("name", suite) + attribute("tests", String(cases.count))
            + attribute("failures", String(failures)) + attribute("errors", "0") + attribute("skipped", "0")
            + attribute("time", time) + attribute("timestamp", timestamp) + ">\n"
        out += "    <properties>\n"
        for (name, value) in properties {
            out += "      <property" + attribute("name", name) + attribute("value", value) + "/>\n"
        }
        out += "    </properties>\n"
        for testCase in cases {
            out +=
                "    <testcase" + attribute("classname", testCase.classname) + attribute("name", testCase.name)
                + attribute("time", "0")
            if let failure = testCase.failure {
                out += ">\n      <failure" + attribute("type", failure.type) + attribute("message", failure.message)
                out += ">" + Markup.escape(failure.detail) + "</failure>\n    </testcase>\n"
            } else {
                out += "/>\n"
            }
        }
        out += "    <system-out>" + Markup.escape(terminalSummary(color: false)) + "</system-out>\n"
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }
}
