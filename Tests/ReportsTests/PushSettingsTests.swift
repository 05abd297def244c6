import SwarmPrimitives
import Testing

@testable import Reports

@Suite("push headers and URLs")
struct PushSettingsTests {
    static let secret = "s3cr3t-t0ken-value"

    @Test("a plain header")
    func plainHeader() throws {
        let header = try PushHeader(parsing: "X-Team:  capacity ", environment: [:])
        #expect(header.name == "X-Team")
        #expect(header.value == "capacity")
    }

    @Test("${NAME} comes from the environment; a lone $ stays")
    func expansion() throws {
        let header = try PushHeader(
            parsing: "Authorization: Bearer ${TOKEN}", environment: ["TOKEN": Self.secret])
        #expect(header.value == "Bearer \(Self.secret)")
        let two = try PushHeader(parsing: "X-Key: ${A}-${B_2}$x", environment: ["A": "one", "B_2": "two"])
        #expect(two.value == "one-two$x")
    }

    @Test("the description hides the value")
    func descriptionHidesValue() throws {
        let header = try PushHeader(parsing: "Authorization: Bearer ${TOKEN}", environment: ["TOKEN": Self.secret])
        #expect(!header.description.contains(Self.secret))
        #expect(header.description.contains("Authorization"))
    }

    @Test("an unset variable is an error naming it, not the value of anything")
    func unsetVariable() {
        #expect(throws: PushHeaderError.unsetVariable(header: "Authorization", variable: "TOKEN")) {
            try PushHeader(parsing: "Authorization: Bearer ${TOKEN}", environment: ["OTHER": Self.secret])
        }
        let message = PushHeaderError.unsetVariable(header: "Authorization", variable: "TOKEN").description
        #expect(message.contains("TOKEN"))
        #expect(message.contains("not set"))
    }

    @Test("an empty variable is an error")
    func emptyVariable() {
        #expect(throws: PushHeaderError.emptyVariable(header: "Authorization", variable: "TOKEN")) {
            try PushHeader(parsing: "Authorization: Bearer ${TOKEN}", environment: ["TOKEN": ""])
        }
    }

    @Test("malformed headers; no message repeats the text")
    func malformed() {
        let cases: [(String, PushHeaderError)] = [
            ("Bearer \(Self.secret)", .noColon),
            (": \(Self.secret)", .emptyName),
            ("Bearer \(Self.secret): x", .invalidName),
            ("Authorization: Bearer ${TOKEN", .unterminatedVariable(header: "Authorization")),
            ("Authorization: ${1X}", .invalidVariableName(header: "Authorization", variable: "1X")),
            ("Authorization: ${}", .invalidVariableName(header: "Authorization", variable: "")),
        ]
        for (text, expected) in cases {
            #expect(throws: expected, "\(expected)") { try PushHeader(parsing: text, environment: [:]) }
            #expect(!expected.description.contains(Self.secret))
        }
    }

    @Test("a line break smuggled in through the environment is refused, without the value")
    func lineBreakInValue() {
        let injected = "\(Self.secret)\r\nX-Evil: 1"
        #expect(throws: PushHeaderError.lineBreakInValue(header: "Authorization")) {
            try PushHeader(parsing: "Authorization: ${TOKEN}", environment: ["TOKEN": injected])
        }
        #expect(!PushHeaderError.lineBreakInValue(header: "Authorization").description.contains(Self.secret))
    }

    @Test("URLs: http and https only, shown without credentials or query")
    func urls() throws {
        let url = try PushURL(parsing: "https://ci:\(Self.secret)@hooks.example.com:8443/run?token=\(Self.secret)")
        #expect(url.description == "https://hooks.example.com:8443/run?…")
        #expect(url.text.contains(Self.secret))
        #expect(throws: PushURLError.self) { try PushURL(parsing: "ftp://example.com/") }
        #expect(throws: PushURLError.self) { try PushURL(parsing: "hooks.example.com/run") }
        #expect(throws: PushURLError.self) { try PushURL(parsing: "http:///run") }
    }

    @Test("the Pushgateway group: escaped values, @base64 for a value with a slash")
    func groupURL() throws {
        let base = try PushURL(parsing: "http://127.0.0.1:9091/")
        #expect(
            PushgatewayPayload.groupURL(base, scenario: "smoke", runID: "00c0ffee").description
                == "http://127.0.0.1:9091/metrics/job/clickswarm/scenario/smoke/run_id/00c0ffee")
        #expect(
            PushgatewayPayload.groupURL(base, scenario: "team/smoke", runID: "1").description
                == "http://127.0.0.1:9091/metrics/job/clickswarm/scenario@base64/dGVhbS9zbW9rZQ==/run_id/1")
        #expect(PushgatewayPayload.segment("scenario", "a b?") == "/scenario/a%20b%3F")
        #expect(PushgatewayPayload.segment("scenario", "") == "/scenario@base64/=")
        let prefixed = try PushURL(parsing: "https://gw.example.com/pushgateway")
        #expect(
            PushgatewayPayload.groupURL(prefixed, scenario: "s", runID: "r").description
                == "https://gw.example.com/pushgateway/metrics/job/clickswarm/scenario/s/run_id/r")
    }

    @Test("the Pushgateway payload: gauges with help and type, drops by reason")
    func payload() {
        let report = RunReportTests.report()
        let text = PushgatewayPayload.final(report)
        #expect(
            text.contains(
                "# TYPE clickswarm_events_generated gauge\nclickswarm_events_generated \(report.totals.generated)\n"))
        #expect(text.contains("clickswarm_run_finished 1\n"))
        #expect(text.contains("clickswarm_run_passed \(report.verdict == .passed ? 1 : 0)\n"))
        for (reason, count) in report.totals.droppedByReason {
            #expect(text.contains("clickswarm_events_dropped_by_reason{reason=\"\(reason)\"} \(count)\n"))
        }
        #expect(text.contains("clickswarm_event_latency_p99_seconds "))
        #expect(PrometheusText.escapeLabel("a\"b\\c\nd") == #"a\"b\\c\nd"#)
    }

    @Test("a response snippet hides echoed secrets and stays one short line")
    func snippet() {
        let body = Array("{\n \"error\": \"bad token \(Self.secret)\"\n}".utf8)
        let text = Publisher.snippet(body, hiding: ["Bearer \(Self.secret)", Self.secret])
        #expect(!text.contains(Self.secret))
        #expect(!text.contains("\n"))
        #expect(Publisher.snippet(Array(repeating: UInt8(ascii: "x"), count: 1000), hiding: []).count <= 201)
    }
}
