import Foundation
import FoundationXML
import Testing

@testable import Reports

/// The renderers against golden files, and their output read back by real parsers.
///
/// The goldens in `Tests/Golden/` are the renderings of `RendererTests.fixture()`. After an intended
/// change to a renderer, regenerate them and review the diff:
///
///     UPDATE_GOLDEN=1 swift test --filter RendererTests
@Suite struct RendererTests {
    /// `Tests/Golden`, outside every target's folder so SwiftPM does not warn about unhandled
    /// files (and Package.swift needs no resources); the CLI tests read the same files.
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Golden")

    /// A fixed report that exercises every part: two flavors, three networks, three event types
    /// (one with markup in its name), drops, collector accounting, a passing and two failing SLOs.
    static func fixture() -> RunReport {
        let shard = RecorderShard(runStart: 0)
        var stream = Stream.mixed(seconds: 12, salt: 11)
        let odd = "tap <b>&\"x\"</b>"
        for second in 0..<12 {
            let at = UInt64(second) * 1_000_000_000 + 5_000_000
            stream.calls.append(.generated(odd, "android", "3g 'slow'", at))
            if second % 5 == 4 {
                stream.calls.append(.dropped(odd, "android", "3g 'slow'", "store_full", at))
            } else {
                stream.calls.append(.sent(odd, "android", "3g 'slow'", 1, at))
                stream.calls.append(.acked(odd, "android", "3g 'slow'", at, at + 900_000_000))
            }
        }
        stream.replay(into: shard)
        let snapshot = shard.snapshot()
        let pending = Reconciliation.funnel(from: snapshot, pendingAtEnd: [:]).eventTypes
            .reduce(into: [String: UInt64]()) { $0[$1.eventType] = UInt64($1.unaccounted) }
        var reconciliation = Reconciliation.funnel(from: snapshot, pendingAtEnd: pending)
        let acked = snapshot.funnelTotals.acked
        reconciliation.attach(
            delivery: .init(acked: acked, deliveredUnique: acked + 2, duplicates: 3, deliveredNotAcked: 2))
        let collector = CollectorAccounting(
            eventsReceived: acked + 5, uniqueDeliveries: acked + 2, duplicateDeliveries: 3, batchesAckLost: 1,
            batchesErrorInjected: 2, connectionsRejected: 1)
        return RunReport.make(
            run: .fixture, snapshot: snapshot, reconciliation: reconciliation, collector: collector,
            slos: [
                SLOThreshold(name: "p99 latency", metric: .latencyPercentile(99), threshold: 1),
                SLOThreshold(name: "delivery", metric: .deliveryRatio, threshold: 0.99),
                SLOThreshold(name: "store <full>", metric: .dropRateForReason("store_full"), threshold: 0.01),
            ])
    }

    /// The fixture with a reconciliation problem: unbalanced.
    static func unbalanced() -> RunReport {
        var report = fixture()
        var reconciliation = report.reconciliation
        reconciliation.addProblem("7 events of type \"click\" vanished <somewhere>")
        report.reconciliation = reconciliation
        report.verdict = report.computedVerdict
        return report
    }

    static func golden(_ name: String) throws -> String {
        try String(contentsOf: goldenDirectory.appendingPathComponent(name), encoding: .utf8)
    }

    /// Compares `text` to the golden file `name`, or rewrites it with UPDATE_GOLDEN=1.
    static func expectGolden(_ text: String, _ name: String) throws {
        let url = goldenDirectory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try Data(text.utf8).write(to: url, options: .atomic)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if text != expected {
            let got = text.split(separator: "\n", omittingEmptySubsequences: false)
            let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let line =
                zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, want.count)
            Issue.record(
                """
                \(name) differs from the golden file at line \(line + 1) \
                (regenerate with UPDATE_GOLDEN=1 swift test --filter RendererTests if the change is intended):
                got:      \(line < got.count ? String(got[line]) : "<end>")
                expected: \(line < want.count ? String(want[line]) : "<end>")
                """)
        }
    }

    @Test func fixtureIsWhatTheGoldensAssume() {
        let report = Self.fixture()
        #expect(report.verdict == .sloFailed)
        #expect(report.slos.map(\.passed) == [true, false, false])
        #expect(report.reconciliation.balanced)
        #expect(report.byEventType.count == 3)
        #expect(report.series.count >= 12)
    }

    @Test(arguments: ReportFormat.allCases)
    func matchesGolden(format: ReportFormat) throws {
        try Self.expectGolden(ReportRenderer.render(Self.fixture(), format: format), "report.\(format.fileExtension)")
    }

    @Test func jsonMatchesGoldenAndRendersTheSame() throws {
        let report = Self.fixture()
        try Self.expectGolden(String(decoding: try report.jsonData(), as: UTF8.self), "report.json")
        // The CLI tests render this file; it must give the same renderings as the report itself.
        let decoded = try RunReport.decode(Data(try Self.golden("report.json").utf8))
        for format in ReportFormat.allCases {
            #expect(ReportRenderer.render(decoded, format: format) == ReportRenderer.render(report, format: format))
        }
    }

    // MARK: HTML

    @Test func htmlIsWellFormedXMLWithChartsThatHaveData() throws {
        let html = Self.fixture().html()
        let document = try XMLDocumentScan(html)
        #expect(document.elements.first == "html")
        #expect(document.count("svg") == 8)
        #expect(document.count("script") == 0)
        #expect(document.count("img") == 0)
        #expect(document.count("link") == 0)
        let polylines = document.attributes("polyline", "points")
        #expect(polylines.count >= 8)
        for points in polylines {
            let pairs = points.split(separator: " ")
            #expect(pairs.count >= 2, "a polyline with fewer than two points: \(points)")
            for pair in pairs {
                let xy = pair.split(separator: ",").compactMap { Double($0) }
                #expect(xy.count == 2 && xy.allSatisfy(\.isFinite), "bad point \(pair)")
            }
        }
        // Charts by their titles, each with data.
        for title in [
            "Events per second: generated and acked over time", "App sessions running over time",
            "Events dropped per second (all reasons)", "Event latency percentiles per second", "Latency by percentile",
            "Where each event type's events ended", "Where events ended, by flavor", "Where events ended, by network",
        ] {
            #expect(document.attributes("svg", "aria-label").contains(title), "missing chart \(title)")
        }
        #expect(document.attributes("rect", "width").compactMap(Double.init).filter { $0 > 0 }.count > 20)
        // Percentile axis labels.
        for label in ["0%", "90%", "99%"] { #expect(document.texts.contains(label), "no tick \(label)") }
        // Text comes back unescaped through the parser; the raw HTML has it escaped.
        #expect(document.texts.contains("tap <b>&\"x\"</b>"))
        #expect(document.texts.contains("3g 'slow'"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("tap &lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;"))
        #expect(html.contains("store_full"))
        #expect(document.texts.contains("FAIL"))
        #expect(document.texts.contains("PASS"))
    }

    @Test func htmlLoadsNothingFromOutside() {
        let html = Self.fixture().html()
        for forbidden in ["<script", "src=", "href=", "url(", "@import", "@font-face"] {
            #expect(!html.contains(forbidden), "\(forbidden) in the HTML")
        }
        // The only URLs are the XHTML and SVG namespaces.
        let urls = html.components(separatedBy: "http").count - 1
        let namespaces =
            html.components(separatedBy: "http://www.w3.org/1999/xhtml").count - 1
            + html.components(separatedBy: "http://www.w3.org/2000/svg").count - 1
        #expect(urls == namespaces)
    }

    @Test func htmlPassesPythonsHTMLParserWithBalancedTags() throws {
        let script = """
            import sys
            from html.parser import HTMLParser
            class Check(HTMLParser):
                def __init__(self):
                    super().__init__()
                    self.stack = []
                    self.errors = []
                def handle_starttag(self, tag, attrs):
                    self.stack.append(tag)
                def handle_endtag(self, tag):
                    if not self.stack or self.stack[-1] != tag:
                        self.errors.append("unexpected </%s> at line %d, open: %s" % (tag, self.getpos()[0], self.stack[-3:]))
                    else:
                        self.stack.pop()
            check = Check()
            check.feed(sys.stdin.read())
            check.close()
            if check.errors or check.stack:
                print("; ".join(check.errors[:5]), "unclosed:", check.stack)
                sys.exit(1)
            print("ok")
            """
        let result = try Self.runTool(
            "python3", ["-c", script], input: Self.fixture().html(),
            missing: "python3 is not on PATH; scripts/setup.sh --tests installs it")
        #expect(result?.status == 0, "html.parser: \(result?.output ?? "")")
        #expect(result?.output.contains("ok") == true)
    }

    @Test func emptyReportStillRendersEveryFormat() throws {
        let report = RunReport.make(
            run: .fixture, snapshot: RecorderSnapshot(),
            reconciliation: Reconciliation.funnel(from: RecorderSnapshot(), pendingAtEnd: [:]), collector: nil,
            slos: [SLOThreshold(name: "p99", metric: .latencyPercentile(99), threshold: 1)])
        let document = try XMLDocumentScan(report.html())
        #expect(document.texts.contains { $0.contains("nothing was acked") })
        _ = try XMLDocumentScan(report.junitXML())
        #expect(report.markdown().contains("no data (no acked events)"))
        try Self.expectPromtoolAccepts(report.prometheusText())
    }

    @Test func longSeriesAreBinnedToAFewHundredPoints() throws {
        var report = Self.fixture()
        let point = report.series[3]
        report.series = (0..<5_000).map { t in
            var row = point
            row.t = t
            return row
        }
        let document = try XMLDocumentScan(report.html())
        let longest = document.attributes("polyline", "points").map { $0.split(separator: " ").count }.max() ?? 0
        #expect(longest > 100 && longest <= 610)
        #expect(document.texts.contains { $0.contains("Each point covers 9 s") })
    }

    // MARK: JUnit

    @Test(arguments: [false, true])
    func junitParsesWithATestCasePerSLOAndTheReconciliation(unbalanced: Bool) throws {
        let report = unbalanced ? Self.unbalanced() : Self.fixture()
        let document = try XMLDocumentScan(report.junitXML())
        let failedSLOs = report.slos.filter { !$0.passed }.count
        let failures = failedSLOs + (unbalanced ? 1 : 0)
        #expect(document.count("testsuite") == 1)
        #expect(document.attributes("testsuite", "name") == ["clickswarm.smoke"])
        #expect(document.count("testcase") == report.slos.count + 1)
        #expect(document.count("failure") == failures)
        #expect(document.attributes("testsuite", "tests") == [String(report.slos.count + 1)])
        #expect(document.attributes("testsuite", "failures") == [String(failures)])
        #expect(document.attributes("testsuite", "time") == ["2.5"])
        #expect(document.attributes("testsuite", "timestamp") == ["2026-11-29T03:00:00"])
        #expect(document.attributes("testcase", "name").contains("reconciliation"))
        #expect(
            document.attributes("testcase", "name").contains { $0.hasPrefix("store <full>: drop_rate[store_full] <=") })
        let properties = Dictionary(
            uniqueKeysWithValues: zip(document.attributes("property", "name"), document.attributes("property", "value"))
        )
        #expect(properties["run_id"] == "run-1")
        #expect(properties["scenario"] == "smoke")
        #expect(properties["verdict"] == report.verdict.rawValue)
        if unbalanced {
            #expect(
                document.attributes("failure", "message").contains(
                    "unbalanced: 7 events of type \"click\" vanished <somewhere>"))
        }
        #expect(document.attributes("failure", "message").contains { $0.hasPrefix("delivery_ratio is ") })
    }

    // MARK: Prometheus

    @Test(arguments: [false, true])
    func prometheusTextPassesPromtool(unbalanced: Bool) throws {
        let text = (unbalanced ? Self.unbalanced() : Self.fixture()).prometheusText()
        try Self.expectPromtoolAccepts(text)
        #expect(text.contains("clickswarm_events_total{scenario=\"smoke\",run_id=\"run-1\",outcome=\"generated\"}"))
        #expect(text.contains("event_type=\"tap <b>&\\\"x\\\"</b>\""))
        #expect(
            text.contains("clickswarm_event_latency_seconds{scenario=\"smoke\",run_id=\"run-1\",quantile=\"0.99\"}"))
        #expect(
            text.contains(
                "clickswarm_run_verdict{scenario=\"smoke\",run_id=\"run-1\",verdict=\"\(unbalanced ? "unbalanced" : "slo_failed")\"} 1"
            ))
        #expect(
            text.contains(
                "clickswarm_reconciliation_balanced{scenario=\"smoke\",run_id=\"run-1\"} \(unbalanced ? 0 : 1)"))
    }

    /// `promtool check metrics` must accept `text` without a lint complaint. promtool comes from
    /// Debian's prometheus package, which `scripts/setup.sh --tests` installs: a missing promtool
    /// fails the test rather than skipping it.
    static func expectPromtoolAccepts(_ text: String) throws {
        let result = try runTool(
            "promtool", ["check", "metrics"], input: text,
            missing: "promtool is not on PATH: run scripts/setup.sh --tests (it installs Debian's prometheus package)")
        guard let result else { return }
        #expect(result.status == 0, "promtool check metrics failed:\n\(result.output)")
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "promtool: \(result.output)")
    }

    /// Runs `tool` (found on PATH) with `input` on standard input; records an issue saying
    /// `missing` and returns nil when it is not installed.
    static func runTool(_ tool: String, _ arguments: [String], input: String, missing: String) throws -> (
        status: Int32, output: String
    )? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else {
            Issue.record(Comment(rawValue: missing))
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let stdin = Pipe()
        let output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Write on another thread so a tool that answers early cannot block us on a full pipe.
        let writer = Thread {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A document read by Foundation's `XMLParser` (a real XML parser): element names in order, their
/// attributes, and the text nodes. Throws if the document is not well-formed.
final class XMLDocumentScan: NSObject, XMLParserDelegate {
    struct NotWellFormed: Error, CustomStringConvertible {
        var description: String
    }

    private(set) var elements: [String] = []
    private(set) var attributeSets: [(String, [String: String])] = []
    private(set) var texts: [String] = []
    private var text = ""

    init(_ document: String) throws {
        super.init()
        let parser = XMLParser(data: Data(document.utf8))
        parser.delegate = self
        guard parser.parse() else {
            throw NotWellFormed(
                description:
                    "not well-formed at line \(parser.lineNumber), column \(parser.columnNumber): "
                    + "\(parser.parserError.map { "\($0)" } ?? "unknown error")")
        }
    }

    func count(_ name: String) -> Int { elements.filter { $0 == name }.count }

    func attributes(_ element: String, _ name: String) -> [String] {
        attributeSets.filter { $0.0 == element }.compactMap { $0.1[name] }
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        flush()
        elements.append(elementName)
        attributeSets.append((elementName, attributes))
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        flush()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    private func flush() {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty { texts.append(trimmed) }
        text = ""
    }
}
