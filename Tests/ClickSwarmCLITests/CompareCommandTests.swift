import Foundation
import Testing

/// `clickswarm compare` run as a process, on the committed smoke baseline and edited copies of it.
@Suite("clickswarm compare, the command")
struct CompareCommandTests {
    static let baseline = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("results/baselines/smoke.json").path

    /// A copy of the baseline, edited as JSON, in a temporary file.
    static func edited(_ edit: (inout [String: Any]) -> Void) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: baseline))
        var report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        edit(&report)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("current-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: report).write(to: path)
        return path.path
    }

    /// Sets `report[section][key][field]` (or `report[section][field]` without a key).
    static func set(_ report: inout [String: Any], _ section: String, _ key: String?, _ field: String, _ value: Any) {
        var outer = report[section] as! [String: Any]
        if let key {
            var inner = outer[key] as! [String: Any]
            inner[field] = value
            outer[key] = inner
        } else {
            outer[field] = value
        }
        report[section] = outer
    }

    @Test("the baseline against itself exits 0 and prints the table")
    func noRegression() throws {
        let result = try Binary.run(["compare", Self.baseline, Self.baseline])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("figure"))
        #expect(result.stdout.contains("event latency p99"))
        #expect(result.stdout.contains("no regression against the baseline"))
        #expect(result.stderr.isEmpty)
    }

    @Test("doubled latency exits 99 and says which figure regressed")
    func latencyDoubled() throws {
        let current = try Self.edited { report in
            let event = (report["latency"] as! [String: Any])["event"] as! [String: Any]
            Self.set(&report, "latency", "event", "p99_ms", (event["p99_ms"] as! Double) * 2)
        }
        defer { try? FileManager.default.removeItem(atPath: current) }
        let result = try Binary.run(["compare", Self.baseline, current])
        #expect(result.status == 99)
        #expect(result.stderr.contains("1 regression against the baseline: event latency p99 +"), "\(result.stderr)")
        // A tolerance wide enough lets it pass.
        #expect(try Binary.run(["compare", Self.baseline, current, "--max-regression", "p99=150%"]).status == 0)
    }

    @Test("1% of the events lost exits 99; --format md prints a Markdown table")
    func eventsLost() throws {
        let current = try Self.edited { report in
            let totals = report["totals"] as! [String: Any]
            let acked = totals["acked"] as! Int
            Self.set(&report, "totals", nil, "acked", acked - acked / 100)
        }
        defer { try? FileManager.default.removeItem(atPath: current) }
        let result = try Binary.run(["compare", Self.baseline, current, "--format", "md"])
        #expect(result.status == 99)
        #expect(result.stdout.contains("| figure | baseline | current | change | tolerance | status |"))
        #expect(result.stdout.contains("| delivery ratio | 100.000% | "))
        #expect(result.stderr.contains("delivery ratio -0.99"), "stderr: \(result.stderr)")
    }

    @Test("a different seed is refused with 64 unless --allow-mismatch")
    func mismatch() throws {
        let current = try Self.edited { Self.set(&$0, "run", nil, "seed", 7) }
        defer { try? FileManager.default.removeItem(atPath: current) }
        let refused = try Binary.run(["compare", Self.baseline, current])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("not runs of the same scenario set-up (seed 42 vs 7, baseline first)"))
        let allowed = try Binary.run(["compare", Self.baseline, current, "--allow-mismatch"])
        #expect(allowed.status == 0, "stderr: \(allowed.stderr)")
        #expect(allowed.stdout.contains("warning: different runs: seed 42 vs 7"))
    }

    @Test(
        "invalid input exits 64 with a message that names it",
        arguments: [
            (["--max-regression", "p98=10%"], "unknown figure 'p98' (did you mean 'p90'?)"),
            (["--max-regression", "p99=10"], "p99='10' is not a percentage (10%) or a duration (200ms, 1.5s)"),
            (["--format", "html"], "--format must be text or md, not 'html'"),
        ])
    func invalidFlags(flags: [String], message: String) throws {
        let result = try Binary.run(["compare", Self.baseline, Self.baseline] + flags)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
    }

    @Test("an unreadable or invalid report exits 64 and names the file")
    func badFiles() throws {
        let missing = "/nonexistent/report.json"
        let result = try Binary.run(["compare", missing, Self.baseline])
        #expect(result.status == 64)
        #expect(result.stderr.contains("cannot read the baseline report \(missing)"), "stderr: \(result.stderr)")
        let junk = FileManager.default.temporaryDirectory.appendingPathComponent("junk-\(UUID().uuidString).json")
        try Data(#"{"schema_version": 1}"#.utf8).write(to: junk)
        defer { try? FileManager.default.removeItem(at: junk) }
        let invalid = try Binary.run(["compare", Self.baseline, junk.path])
        #expect(invalid.status == 64)
        #expect(invalid.stderr.contains("the current report \(junk.path): run report is missing"), "\(invalid.stderr)")
    }

    @Test("run --max-regression without --baseline exits 64")
    func runNeedsBaseline() throws {
        let result = try Binary.run(["run", "scenarios/smoke.yaml", "--max-regression", "p99=10%"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--max-regression and --allow-mismatch need --baseline FILE"))
    }
}
