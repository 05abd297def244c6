import Testing

@testable import Reports

@Suite struct RenderingTests {
    @Test func terminalSummaryHasTheKeyFigures() {
        let report = SLOTests.report([
            SLOThreshold(name: "p99 latency", metric: .latencyPercentile(99), threshold: 0.080),
            SLOThreshold(name: "connects", metric: .connectSuccess, threshold: 0.95),
        ])
        let text = report.terminalSummary(color: false)
        for expected in [
            "smoke", "run-1", "simulated", "300 devices", "generated 100", "sampled out 10",
            "dropped 10 (drop_list 5, store_full 5)", "acked 72", "pending 8", "84.71% of deliverable",
            "p50 ", "p99.9 ", "max ", "Batch RTT", "Connect", "attempts 10", "connected 9", "success 90.00%",
            "ios", "wifi", "balanced", "PASS  p99 latency", "FAIL  connects", "Verdict", "SLO FAILED",
        ] {
            #expect(text.contains(expected), "missing \(expected) in\n\(text)")
        }
        #expect(!text.contains("\u{1B}["))
        #expect(report.terminalSummary(color: true).contains("\u{1B}[31mFAIL"))
    }

    @Test func terminalSummaryListsReconciliationProblems() {
        var reconciliation = Reconciliation.funnel(from: RecorderSnapshot(), pendingAtEnd: [:])
        reconciliation.addProblem("3 events vanished")
        let report = RunReport.make(
            run: .fixture, snapshot: RecorderSnapshot(), reconciliation: reconciliation, collector: nil, slos: [])
        let text = report.terminalSummary(color: false)
        #expect(text.contains("UNBALANCED"))
        #expect(text.contains("- 3 events vanished"))
        #expect(text.contains("no data"))
    }

    @Test func progressLineShowsRatesOverTheInterval() {
        var previous = ProgressCounters()
        previous.generated = 10_000
        previous.acked = 9_000
        var counters = previous
        counters.generated += 1_200
        counters.acked += 1_100
        counters.dropped = 3
        counters.reconnects = 7
        for _ in 0..<100 { counters.latency.record(microseconds: 45_000) }
        let line = ProgressLine.render(
            elapsed: 12.4, duration: 30, devicesOnline: 280, devicesTarget: 300, counters: counters,
            previous: previous, interval: 1)
        #expect(
            line == "elapsed 12s/30s  devices 280/300  gen 1.2k/s  acked 1.1k/s  p99 45.1ms  drops 3  reconnects 7")
    }

    @Test func progressLineWithoutPreviousUsesTheWholeRun() {
        var counters = ProgressCounters()
        counters.generated = 500
        counters.connectFailures = 2
        let line = ProgressLine.render(
            elapsed: 10, duration: 30, devicesOnline: 3, devicesTarget: 3, counters: counters, previous: nil,
            interval: 1)
        #expect(line.contains("gen 50/s"))
        #expect(line.contains("p99 -"))
        #expect(line.contains("connect failures 2"))
    }

    @Test func coarseHistogramSubtractsAnEarlierReading() {
        var earlier = CoarseHistogram()
        earlier.record(microseconds: 1_000)
        var later = earlier
        later.record(microseconds: 500_000)
        let recent = later.subtracting(earlier)
        #expect(recent.totalCount == 1)
        #expect(abs(recent.milliseconds(atPercentile: 50)! - 500) / 500 < 0.02)
    }
}

@Suite("Figures a person reads")
struct FigureFormattingTests {
    @Test(
        "no float noise, but a figure that differs from its threshold never looks equal to it",
        arguments: [
            (0.9990000000000001, 0.999, "0.999"), (0.99899999, 0.999, "0.99899999"), (0.5, 0.999, "0.5"),
            (1.0, 0.99, "1"), (0.1 + 0.2, 0.5, "0.3"), (12_345.678_9, 1, "12345.7"), (2.5e-7, 1, "2.5e-07"),
        ])
    func figures(value: Double, threshold: Double, shown: String) {
        #expect(Formatting.figure(value, beside: threshold) == shown)
    }

    @Test("the terminal summary's SLO line rounds to what the figure means")
    func sloLine() throws {
        var report = RendererTests.fixture()
        report.slos = [
            SLOResult(
                name: "connect success", metric: "connect_success", comparison: ">=", threshold: 0.999,
                actual: 0.9990000000000001, passed: true)
        ]
        let text = report.terminalSummary(color: false)
        #expect(text.contains("connect_success 0.999 >= 0.999"), "\(text)")
        #expect(!text.contains("0.9990000000000001"))
    }
}
