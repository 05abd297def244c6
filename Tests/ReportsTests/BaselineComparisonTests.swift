import Foundation
import Testing

@testable import Reports

@Suite struct BaselineComparisonTests {
    /// The committed smoke baseline.
    static let smoke: RunReport = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("results/baselines/smoke.json")
        return try! RunReport.decode(Data(contentsOf: url))
    }()

    func compare(_ change: (inout RunReport) -> Void, tolerances: RegressionTolerances = .defaults) throws
        -> BaselineComparison
    {
        var current = Self.smoke
        change(&current)
        return try BaselineComparison(baseline: Self.smoke, current: current, tolerances: tolerances)
    }

    func status(_ comparison: BaselineComparison, _ figure: String) -> BaselineComparison.Status? {
        comparison.rows.first { $0.figure == figure }?.status
    }

    @Test func aReportAgainstItselfHasNoRegression() throws {
        let comparison = try compare { _ in }
        #expect(!comparison.hasRegression)
        #expect(comparison.rows.allSatisfy { $0.status == .ok })
        let figures = comparison.rows.map(\.figure)
        for figure in [
            "event latency p50", "event latency p99", "event latency p999", "batch round trip p99", "connect time p99",
            "acked events/s", "delivery ratio", "drop rate", "connect success", "acked", "pending at end",
            "unaccounted", "generated", "generated clickswarm-screenview", "verdict", "reconciliation",
        ] {
            #expect(figures.contains(figure), "missing row \(figure)")
        }
        #expect(comparison.summary.hasPrefix("no regression against the baseline ("))
    }

    @Test func latencyRegressesOnlyBeyondBothItsRelativeAndAbsoluteSlack() throws {
        let p99 = try #require(Self.smoke.latency.event.p99Ms)
        #expect(p99 > 1_000, "the smoke p99 carries the SDK's batching period")
        // +40%: within +50%.
        #expect(status(try compare { $0.latency.event.p99Ms = p99 * 1.4 }, "event latency p99") == .ok)
        // Doubled: beyond +50% and beyond 1 s.
        let doubled = try compare { $0.latency.event.p99Ms = p99 * 2 }
        #expect(status(doubled, "event latency p99") == .regression)
        #expect(doubled.regressions.map(\.figure) == ["event latency p99"])
        // A tighter relative slack from --max-regression, the default floor kept.
        let tight = try RegressionTolerances(parsing: "p99=10%")
        #expect(
            status(try compare({ $0.latency.event.p99Ms = p99 * 1.2 }, tolerances: tight), "event latency p99")
                == .regression)
    }

    @Test func theAbsoluteFloorKeepsSmallLatenciesFromFlapping() throws {
        // 2 ms to 4 ms is +100%, but only 2 ms: not a regression.
        func batch(_ ms: Double) -> (inout RunReport) -> Void { { $0.latency.batchRoundTrip.p99Ms = ms } }
        var baseline = Self.smoke
        batch(2)(&baseline)
        var current = Self.smoke
        batch(4)(&current)
        let small = try BaselineComparison(baseline: baseline, current: current)
        #expect(status(small, "batch round trip p99") == .ok)
        batch(600)(&current)
        let large = try BaselineComparison(baseline: baseline, current: current)
        #expect(status(large, "batch round trip p99") == .regression)
        // With the floor set to 0 by --max-regression, the relative slack (+100%) alone rules.
        let noFloor = try RegressionTolerances(parsing: "batch_p99=0ms")
        batch(5)(&current)
        #expect(
            status(
                try BaselineComparison(baseline: baseline, current: current, tolerances: noFloor),
                "batch round trip p99")
                == .regression)
    }

    @Test func improvementsBeyondTheSlackAreMarked() throws {
        let p50 = try #require(Self.smoke.latency.event.p50Ms)
        let comparison = try compare { $0.latency.event.p50Ms = p50 * 0.3 }
        #expect(status(comparison, "event latency p50") == .improved)
        #expect(!comparison.hasRegression)
        #expect(comparison.summary.contains("1 improved"))
    }

    @Test func deliveryRatioHasAnAbsoluteToleranceInPercentagePoints() throws {
        let deliverable = Self.smoke.totals.deliverable
        #expect(Self.smoke.totals.deliveryRatio == 1)
        // 0.05 percentage points lost: within 0.1pp.
        let few = try compare { $0.totals.acked -= deliverable / 2_000 }
        #expect(status(few, "delivery ratio") == .ok)
        // 1% of the events lost.
        let lost = try compare { $0.totals.acked -= deliverable / 100 }
        #expect(status(lost, "delivery ratio") == .regression)
        #expect(status(lost, "acked") == .regression)
        let row = try #require(lost.rows.first { $0.figure == "delivery ratio" })
        #expect(row.baseline == "100.000%")
        #expect(row.tolerance == "-0.1pp")
        #expect(row.change.hasPrefix("-0.99") && row.change.hasSuffix("pp"))
        // A wider tolerance lets it through.
        let wide = try RegressionTolerances(parsing: "delivery=2%,acked=2%")
        #expect(!(try compare({ $0.totals.acked -= deliverable / 100 }, tolerances: wide)).hasRegression)
    }

    @Test func countsTheSeedFixesAreTight() throws {
        let generated = Self.smoke.totals.generated
        #expect(status(try compare { $0.totals.generated -= generated / 1_000 }, "generated") == .ok)
        #expect(status(try compare { $0.totals.generated -= generated / 100 }, "generated") == .regression)
        // More events is a different workload too.
        #expect(status(try compare { $0.totals.generated += generated / 100 }, "generated") == .regression)
        let type = try #require(Self.smoke.byEventType.keys.sorted().first)
        let perType = try compare { $0.byEventType[type]!.generated /= 2 }
        #expect(status(perType, "generated \(type)") == .regression)
        #expect(status(try compare { $0.totals.pendingAtEnd = 1 }, "pending at end") == .regression)
    }

    @Test func aWorseVerdictOrAnUnbalancedReconciliationRegresses() throws {
        let failed = try compare { $0.verdict = .sloFailed }
        #expect(status(failed, "verdict") == .regression)
        let row = try #require(failed.rows.first { $0.figure == "verdict" })
        #expect((row.baseline, row.current, row.change) == ("passed", "slo_failed", "worse"))
        let unbalanced = try compare { $0.reconciliation.addProblem("lost") }
        #expect(status(unbalanced, "reconciliation") == .regression)
    }

    @Test func aFigureWithoutDataNowRegresses() throws {
        let comparison = try compare { $0.latency.event.p99Ms = nil }
        let row = try #require(comparison.rows.first { $0.figure == "event latency p99" })
        #expect(row.status == .regression)
        #expect(row.current == "-")
        #expect(row.change == "no data now")
    }

    @Test func runsOfADifferentSetUpAreRefusedUnlessAllowed() throws {
        var current = Self.smoke
        current.run.seed = 7
        current.run.devices = 10
        #expect(throws: ReportMismatch(differences: ["seed 42 vs 7", "devices 300 vs 10"])) {
            try BaselineComparison(baseline: Self.smoke, current: current)
        }
        let error = ReportMismatch(differences: ["seed 42 vs 7"])
        #expect(
            error.description
                == "the baseline and the current report are not runs of the same scenario set-up (seed 42 vs 7, "
                + "baseline first); compare runs of one scenario with the same seed, devices, duration and mode, "
                + "or pass --allow-mismatch")
        let allowed = try BaselineComparison(baseline: Self.smoke, current: current, allowMismatch: true)
        #expect(allowed.mismatches == ["seed 42 vs 7", "devices 300 vs 10"])
        #expect(allowed.rendered(.text).contains("warning: different runs: seed 42 vs 7; devices 300 vs 10"))
    }

    @Test func rendersAnAlignedTextTableAndMarkdown() throws {
        let p99 = try #require(Self.smoke.latency.event.p99Ms)
        let comparison = try compare { $0.latency.event.p99Ms = p99 * 2 }
        let text = comparison.rendered(.text).split(separator: "\n").map(String.init)
        #expect(text[0].hasPrefix("baseline: smoke, seed 42, 300 devices, 20s live, run "))
        let header = try #require(text.first { $0.hasPrefix("figure") })
        let row = try #require(text.first { $0.hasPrefix("event latency p99 ") })
        let statusColumn = try #require(header.range(of: "status")).lowerBound.utf16Offset(in: header)
        #expect(try #require(row.range(of: "REGRESSION")).lowerBound.utf16Offset(in: row) == statusColumn)
        #expect(row.hasSuffix("REGRESSION"))
        #expect(row.contains("+50% and +1s"))
        #expect(row.contains("(+100.0%)"))
        #expect(text.last?.hasPrefix("1 regression against the baseline: event latency p99 +") == true)
        let markdown = comparison.rendered(.md)
        #expect(markdown.contains("| figure | baseline | current | change | tolerance | status |"))
        #expect(markdown.contains("| event latency p99 | "))
        #expect(markdown.contains(" | +50% and +1s | **REGRESSION** |"))
    }
}
