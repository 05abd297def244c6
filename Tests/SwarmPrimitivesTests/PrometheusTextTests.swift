import Testing

@testable import SwarmPrimitives

@Suite("Prometheus text writer")
struct PrometheusTextTests {
    @Test("families, prefixed names, base labels and escaped values")
    func exposition() {
        var out = PrometheusText(prefix: "clickswarm_", baseLabels: [("run_id", "r1")])
        out.family("events_total", .counter, "Events, by\noutcome \\ all.")
        out.sample("events_total", [("outcome", "a\"b\\c\nd")], UInt64(18_446_744_073_709_551_615))
        out.gauge("ratio", "A ratio.", 0.1 + 0.2)
        out.gauge("absent", "Not written: no data.", nil)
        out.gauges("by_reason", "By reason.", label: "reason", ["b": 2, "a": 1])
        #expect(
            out.text == """
                # HELP clickswarm_events_total Events, by\\noutcome \\\\ all.
                # TYPE clickswarm_events_total counter
                clickswarm_events_total{run_id="r1",outcome="a\\"b\\\\c\\nd"} 18446744073709551615
                # HELP clickswarm_ratio A ratio.
                # TYPE clickswarm_ratio gauge
                clickswarm_ratio{run_id="r1"} 0.3
                # HELP clickswarm_by_reason By reason.
                # TYPE clickswarm_by_reason gauge
                clickswarm_by_reason{run_id="r1",reason="a"} 1
                clickswarm_by_reason{run_id="r1",reason="b"} 2

                """)
    }

    @Test(
        "numbers: no float noise, no exponent, the format's names for the special values",
        arguments: [
            (0.0, "0"), (-0.0, "0"), (12, "12"), (0.276, "0.276"), (0.1 + 0.2, "0.3"), (1.5e-10, "0"),
            (123_456_789.125, "123456789.125"), (2e15, "2000000000000000"), (Double.nan, "NaN"),
            (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (-2.5, "-2.5"),
        ])
    func numbers(value: Double, text: String) {
        #expect(PrometheusText.number(value) == text)
    }
}
