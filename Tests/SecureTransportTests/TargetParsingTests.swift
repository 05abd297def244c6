import Reports
import Testing

@testable import Simulation

/// The TLS and gRPC forms of `target`, `collector` and `population.headers` in a scenario.
@Suite struct TargetParsingTests {
    static func parse(_ body: String) throws -> Scenario {
        try Scenario(
            yaml: """
                name: t
                duration: 1s
                \(body)
                journeys:
                  - name: j
                    start: a
                    screens:
                      a: {think: 1s, next: {exit: 100%}}
                """, file: "t.yaml")
    }

    static func errors(_ body: String) -> String {
        do {
            _ = try parse(body)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test("schemes, default ports and the transport each means")
    func schemes() throws {
        let cases: [(String, Scenario.Target.Scheme, Int, Scenario.Transport)] = [
            ("wss://c.example/api/v1/events", .wss, 443, .websocket),
            ("https://c.example", .https, 443, .rest),
            ("grpc://c.example", .grpc, 8081, .grpc),
            ("grpcs://c.example:9443", .grpcs, 9443, .grpc),
        ]
        for (url, scheme, port, transport) in cases {
            let target = try Scenario.Target(parsing: url)
            guard case .remote(_, let parsedScheme, _, let parsedPort, _) = target else {
                Issue.record("\(url) is not remote")
                continue
            }
            #expect(parsedScheme == scheme)
            #expect(parsedPort == port)
            #expect(parsedScheme.transport == transport)
        }
        #expect(throws: Scenario.Target.ParseError.self) { try Scenario.Target(parsing: "grpc://c.example/path") }
    }

    @Test("the target mapping: url and its TLS settings; the string form keeps working")
    func targetMapping() throws {
        let scenario = try Self.parse(
            """
            target:
              url: wss://c.example:8443/api/v1/events
              ca_file: ca.pem
              insecure: true
              client_cert: client.pem
              client_key: client.key
            population: {devices: 1}
            """)
        #expect(scenario.targetTLS.caFile == "ca.pem")
        #expect(scenario.targetTLS.insecure)
        #expect(scenario.targetTLS.clientCertificate == "client.pem")
        #expect(scenario.targetTLS.clientKey == "client.key")
        #expect(scenario.tlsInfo == RunInfo.TLS(verified: false, caFile: "ca.pem", clientCertificate: true))
        let plain = try Self.parse("target: ws://c.example/api/v1/events\npopulation: {devices: 1}")
        #expect(plain.targetTLS.isEmpty)
    }

    @Test("TLS keys need a TLS url, client_cert needs client_key; errors name the line")
    func targetMappingErrors() {
        #expect(
            Self.errors("target: {url: ws://c.example, ca_file: ca.pem}\npopulation: {devices: 1}").contains("wss://"))
        #expect(
            Self.errors("target: {url: wss://c.example, client_cert: c.pem}\npopulation: {devices: 1}").contains(
                "client_key"))
        #expect(Self.errors("target: {ca_file: ca.pem}\npopulation: {devices: 1}").contains("url"))
    }

    @Test("collector.tls, transport: grpc and grpc_port")
    func collectorKeys() throws {
        let scenario = try Self.parse("collector: {tls: true, transport: grpc, grpc_port: 0}\npopulation: {devices: 1}")
        #expect(scenario.collector.tls)
        #expect(scenario.collector.transport == .grpc)
        #expect(Self.errors("collector: {grpc_port: 9000}\npopulation: {devices: 1}").contains("transport: grpc"))
    }

    @Test("population.headers: parsed in order, checked, expanded per device; never shown")
    func populationHeaders() throws {
        var scenario = try Self.parse(
            """
            population:
              devices: 3
              headers:
                Authorization: "Bearer ${TOKEN}"
                X-Device: "d-{device}"
            """)
        #expect(scenario.population.headers.map(\.name) == ["Authorization", "X-Device"])
        var overrides = ScenarioOverrides()
        overrides.environment = ["TOKEN": "t0k"]
        overrides.headers = [HeaderTemplate(name: "x-device", value: "{uuid}")]
        scenario = try scenario.applying(overrides)
        let profile = Population(scenario: scenario).profile(2)
        #expect(profile.headers.first == DeviceProfile.Header(name: "Authorization", value: "Bearer t0k"))
        #expect(profile.headers.last?.name == "x-device")
        #expect(profile.headers.last?.value.count == 36)
        #expect(Self.errors("population:\n  devices: 1\n  headers: {X-User-ID: a}").contains("population.identity"))
        var missing = ScenarioOverrides()
        missing.environment = [:]
        #expect(throws: RunError.self) {
            try Self.parse("population:\n  devices: 1\n  headers: {A: \"${NOPE}\"}").applying(missing)
        }
    }
}
