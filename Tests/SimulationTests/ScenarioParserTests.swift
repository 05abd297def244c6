import ClickstreamSDK
import Foundation
import RaccoonWire
import SwarmPrimitives
import Testing

@testable import Simulation

@Suite struct ScenarioParserTests {
    static let fullFile = """
        name: checkout-peak
        description: "Peak checkout traffic"
        seed: 42
        duration: 30s
        drain: 5s
        target: embedded
        collector:
          threads: 2
          ack: after-publish
          publish_delay: uniform(1ms, 5ms)
          deduplicate: true
          max_message_size: 2MiB
          legacy_cap_answer: true
          transport: rest
        faults:
          - from: 10s
            to: 20s
            outage: true
            ack_loss: 10%
            error_rate: 5%
            ack_delay: uniform(10ms, 50ms)
            publish_stall: true
        population:
          devices: 300
          identity: "user-{device}"
          flavors: {android: 60%, ios: 40%}
          arrival:
            stages:
              - {to: 100, over: 10s}
              - {hold: 5s}
              - {to: all, over: 1m}
        sdk:
          android:
            min_battery: 10%
            batch_period: 10s
            ack_timeout: 8s
            max_retries: 20
            events_per_batch: 25
            store_events: 50000
            store_size: 20MiB
            connect_timeout: 10s
            flush_on_background: true
            close_after_background: 30s
          ios:
            max_batch_size: 50000B
        battery:
          initial: uniform(30%, 100%)
          drain_per_hour: {foreground: 12%, background: 2%}
          charging: {start_per_hour: 5%, rate_per_hour: 40%, duration: uniform(20m, 1h), initially: 10%}
        networks:
          profiles:
            3g: {latency: 150ms}
            congested:
              kind: 3g
              latency: normal(300ms, 80ms)
              jitter: uniform(0ms, 50ms)
              bandwidth: 256KiB
              drops_per_minute: 2%
              offline: {every: exponential(10m), for: uniform(10s, 60s)}
            lan: {kind: wifi, bandwidth: unlimited}
          mix: {wifi: 50%, 4g: 30%, congested: 20%}
        lifecycle:
          session: lognormal(5m, 0.5)
          background: exponential(2m)
          kill_in_background: 20%
          between_journeys: 1s
          app_opened_event: false
        remote_config:
          cohorts:
            - name: control
              share: 50%
            - name: treatment
              share: 50%
              config:
                classification: {AdImpression: instant, OrderPlaced: realTime, Search: bulk}
                sampling: {ScreenView: 50%}
                drop: [Search]
          changes:
            - at: 90s
              config: {sampling: {AdClick: 0.25}}
            - at: 60s
              cohorts: [treatment]
              config: {drop: [AdClick]}
        journeys:
          - name: browse
            weight: 3
            start: home
            screens:
              home:
                think: lognormal(3s, 0.5)
                events:
                  - contract: ScreenView
                    attributes: {screen_name: home, load_time_ms: 120}
                  - contract: AdImpression
                    count: uniform(1, 3)
                    gap: 200ms
                next: {product: 60%, search: 30%, exit: 10%}
              product:
                events: [{contract: ButtonClick, attributes: {button_id: add-to-cart, position: 2}}]
              search:
                events:
                  - contract: Search
                    attributes: {query: "red \\"shoes\\"", filters: [size-42, color], result_count: 17}
                next: {product: 100%}
          - name: buy
            start: cart
            screens:
              cart: {}
        slos:
          latency: {p50: 200ms, p99: 1s, p99.9: 2s, max: 5s}
          batch_round_trip: {p99: 500ms}
          delivery_ratio: 99.9%
          drop_rate: 0.1%
          drop_rate_by_reason: {store_full: 0%}
          connect_success: 99%
        """

    static var expectedFull: Scenario {
        let exit = [(screen: "exit", probability: 1.0)]
        func event(_ contract: String, _ json: String = "{}") -> Scenario.ScreenEvent {
            var event = Scenario.ScreenEvent(contract: contract)
            event.attributesJSON = json
            return event
        }
        var adImpression = event("AdImpression")
        adImpression.count = .uniform(1, 3)
        adImpression.gap = .constant(200 * 1e-3)
        let browse = Scenario.Journey(
            name: "browse", weight: 3, start: "home",
            screens: [
                "home": Scenario.Screen(
                    events: [event("ScreenView", #"{"screen_name":"home","load_time_ms":120}"#), adImpression],
                    think: .lognormal(median: 3, sigma: 0.5),
                    next: [("exit", 0.1), ("product", 0.6), ("search", 0.3)]),
                "product": Scenario.Screen(
                    events: [event("ButtonClick", #"{"button_id":"add-to-cart","position":2}"#)], think: .constant(1),
                    next: exit),
                "search": Scenario.Screen(
                    events: [
                        event("Search", #"{"query":"red \"shoes\"","filters":["size-42","color"],"result_count":17}"#)
                    ],
                    think: .constant(1), next: [("product", 1)]),
            ])
        let buy = Scenario.Journey(
            name: "buy", weight: 1, start: "cart",
            screens: ["cart": Scenario.Screen(events: [], think: .constant(1), next: exit)])

        var population = Scenario.Population(devices: 300)
        population.identity = "user-{device}"
        population.flavors = [.android: 0.6, .ios: 0.4]
        population.arrival = .stages([
            Scenario.Stage(target: 100, over: 10), Scenario.Stage(target: nil, over: 5, isHold: true),
            Scenario.Stage(target: nil, over: 60),
        ])

        var scenario = Scenario(name: "checkout-peak", duration: 30, population: population, journeys: [browse, buy])
        scenario.description = "Peak checkout traffic"
        scenario.seed = 42
        scenario.drain = 5
        scenario.file = "full.yaml"
        scenario.collector.threads = 2
        scenario.collector.ackAfterPublish = true
        scenario.collector.publishDelay = .uniform(1e-3, 5e-3)
        scenario.collector.deduplicate = true
        scenario.collector.maxMessageBytes = 2 * 1_048_576
        scenario.collector.legacyCapAnswer = true
        scenario.collector.transport = .rest

        var fault = Scenario.FaultWindow(start: 10, end: 20)
        fault.outage = true
        fault.ackLoss = 0.1
        fault.errorRate = 0.05
        fault.ackDelay = .uniform(10e-3, 50e-3)
        fault.publishStall = true
        fault.line = 16
        scenario.faults = [fault]

        scenario.sdk.android.minBatteryLevel = 10
        scenario.sdk.android.batchPeriod = 10
        scenario.sdk.android.ackTimeout = 8
        scenario.sdk.android.maxRetriesPerBatch = 20
        scenario.sdk.android.eventsPerBatch = 25
        scenario.sdk.android.storeCapacityEvents = 50000
        scenario.sdk.android.storeCapacityBytes = 20 * 1_048_576
        scenario.sdk.android.connectTimeout = 10
        scenario.sdk.android.flushOnBackground = true
        scenario.sdk.android.closeAfterBackground = 30
        scenario.sdk.ios.maxBatchBytes = 50000

        scenario.battery.initial = .uniform(30, 100)
        scenario.battery.drainForeground = 12
        scenario.battery.drainBackground = 2
        scenario.battery.chargeStartPerHour = 0.05
        scenario.battery.chargeRate = 40
        scenario.battery.chargeDuration = .uniform(1200, 3600)
        scenario.battery.chargingInitially = 0.1

        scenario.networks.profiles["3g"]?.latency = .constant(0.15)
        scenario.networks.profiles["congested"] = Scenario.NetworkProfile(
            kind: .cellular3G, latency: .normal(mean: 0.3, standardDeviation: 0.08), jitter: .uniform(0, 0.05),
            bandwidth: 262_144, dropsPerMinute: 0.02, offlineEvery: .exponential(mean: 600),
            offlineFor: .uniform(10, 60))
        scenario.networks.profiles["lan"] = Scenario.NetworkProfile(
            kind: .wifi, latency: .constant(0), jitter: .constant(0), bandwidth: nil, dropsPerMinute: 0)
        scenario.networks.mix = ["wifi": 0.5, "4g": 0.3, "congested": 0.2]

        scenario.lifecycle.session = .lognormal(median: 300, sigma: 0.5)
        scenario.lifecycle.background = .exponential(mean: 120)
        scenario.lifecycle.killInBackground = 0.2
        scenario.lifecycle.betweenJourneys = .constant(1)
        scenario.lifecycle.appOpenedEvent = false

        scenario.remoteConfig.cohorts = [
            Scenario.Cohort(name: "control", share: 0.5, config: RemoteConfig()),
            Scenario.Cohort(
                name: "treatment", share: 0.5,
                config: RemoteConfig(
                    classification: ["AdImpression": .instant, "OrderPlaced": .realTime, "Search": .priority("bulk")],
                    samplingRates: ["ScreenView": 50], dropList: ["Search"])),
        ]
        scenario.remoteConfig.changes = [
            Scenario.ConfigChange(at: 60, cohorts: ["treatment"], config: RemoteConfig(dropList: ["AdClick"])),
            Scenario.ConfigChange(at: 90, cohorts: [], config: RemoteConfig(samplingRates: ["AdClick": 25])),
        ]

        scenario.slos.latency = [50: 0.2, 99: 1, 99.9: 2, 100: 5]
        scenario.slos.batchRoundTrip = [99: 0.5]
        scenario.slos.deliveryRatio = 99.9 / 100
        scenario.slos.dropRate = 0.1 / 100
        scenario.slos.dropRateByReason = ["store_full": 0]
        scenario.slos.connectSuccess = 0.99
        return scenario
    }

    @Test func parsesAFullFileIntoTheExactModel() throws {
        let scenario = try Scenario(yaml: Self.fullFile, file: "full.yaml")
        let expected = Self.expectedFull
        // Field by field first, so a failure points at the part that differs.
        #expect(scenario.collector == expected.collector)
        #expect(scenario.faults == expected.faults)
        #expect(scenario.population == expected.population)
        #expect(scenario.sdk == expected.sdk)
        #expect(scenario.battery == expected.battery)
        #expect(scenario.networks == expected.networks)
        #expect(scenario.lifecycle == expected.lifecycle)
        #expect(scenario.remoteConfig == expected.remoteConfig)
        #expect(scenario.journeys == expected.journeys)
        #expect(scenario.slos == expected.slos)
        #expect(scenario == expected)
    }

    static let minimal = """
        name: tiny
        duration: 1m
        population: {devices: 5}
        journeys: [{name: j, start: s, screens: {s: {}}}]
        """

    @Test func appliesTheDefaults() throws {
        let scenario = try Scenario(yaml: Self.minimal, file: "tiny.yaml")
        let journey = Scenario.Journey(
            name: "j", weight: 1, start: "s",
            screens: ["s": Scenario.Screen(events: [], think: .constant(1), next: [("exit", 1)])])
        var expected = Scenario(name: "tiny", duration: 60, population: .init(devices: 5), journeys: [journey])
        expected.file = "tiny.yaml"
        #expect(scenario == expected)
        #expect(scenario.seed == 1)
        #expect(scenario.drain == 10)
        #expect(scenario.target == .embedded)
        // As Raccoon: no message limit, today's rejection answers.
        #expect(scenario.collector.maxMessageBytes == nil)
        #expect(!scenario.collector.legacyCapAnswer)
    }

    @Test(arguments: [
        ("embedded", Scenario.Target.embedded),
        (
            "ws://localhost:8080/api/v1/events",
            .remote(
                url: "ws://localhost:8080/api/v1/events", scheme: .ws, host: "localhost", port: 8080,
                path: "/api/v1/events")
        ),
        (
            "wss://collector.example.com",
            .remote(
                url: "wss://collector.example.com", scheme: .wss, host: "collector.example.com", port: 443,
                path: "/api/v1/events")
        ),
        (
            "http://10.0.0.7/ingest",
            .remote(url: "http://10.0.0.7/ingest", scheme: .http, host: "10.0.0.7", port: 80, path: "/ingest")
        ),
        (
            "ws://[::1]:9000/",
            .remote(url: "ws://[::1]:9000/", scheme: .ws, host: "::1", port: 9000, path: "/api/v1/events")
        ),
    ])
    func parsesTargets(text: String, target: Scenario.Target) throws {
        let scenario = try Scenario(yaml: Self.minimal + "\ntarget: \(text)", file: "t.yaml")
        #expect(scenario.target == target)
    }

    @Test func acceptsDistributionsInsideFlowMappingsAndLists() throws {
        let yaml = """
            name: flow
            duration: 1m
            population: {devices: 5}
            lifecycle: {session: uniform(1m, 2m), background: "normal(10s, 2s)"}
            journeys: [{name: j, start: s, screens: {s: {think: uniform(1s,2s)}}}]
            """
        let scenario = try Scenario(yaml: yaml, file: "flow.yaml")
        #expect(scenario.lifecycle.session == .uniform(60, 120))
        #expect(scenario.lifecycle.background == .normal(mean: 10, standardDeviation: 2))
        #expect(scenario.journeys[0].screens["s"]?.think == .uniform(1, 2))
    }

    @Test func theReadmeExampleParses() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios/README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let blocks = text.components(separatedBy: "```yaml\n").dropFirst()
        let example = try #require(blocks.first?.components(separatedBy: "```").first)
        let scenario = try Scenario(yaml: example, file: "README.md")
        #expect(!scenario.journeys.isEmpty)
    }

    /// Each file with every error it must produce, in order.
    static let badFiles: [(yaml: String, errors: [String])] = [
        ("", ["bad.yaml:1:1: the file is empty; a scenario needs at least name, duration, population and journeys"]),
        ("- 1\n- 2", ["bad.yaml:1:1: expected a mapping (key: value lines), got a list"]),
        (
            "name: x\nduration: 1m\npopulation:\n  devices: 3\n   bad: [\n",
            ["bad.yaml:5:7: invalid YAML: mapping values are not allowed in this context"]
        ),
        (
            "name: x\npopulation:\n\tdevices: 3\n",
            [
                "bad.yaml:3:1: invalid YAML: found character that cannot start any token (while scanning for the next "
                    + "token at line 3, column 1); YAML does not allow tabs for indentation, use spaces"
            ]
        ),
        ("name: x\nname: y\n", ["bad.yaml:2:1: invalid YAML: duplicate key 'name' (it is given again here)"]),
        ("a: {b: 1, c: {b: 2}, b: 3}\n", ["bad.yaml:1:22: invalid YAML: duplicate key 'b' (it is given again here)"]),
        (
            "p:\n  d: 2\n  q:\n    d: 1\n  d: 3\n",
            ["bad.yaml:5:3: invalid YAML: duplicate key 'd' (it is given again here)"]
        ),
        (
            "durtion: 30s\nname: x\npopulation: {devices: 3}\njourneys: [{name: j, start: s, screens: {s: }}]",
            [
                "bad.yaml:1:1: unknown key 'durtion' (did you mean 'duration'?); expected one of: name, description, "
                    + "seed, duration, drain, target, collector, faults, population, sdk, battery, networks, lifecycle, "
                    + "remote_config, journeys, slos, capacity",
                "bad.yaml:1:1: missing required key 'duration'",
            ]
        ),
        (
            minimalWith("population:\n  identity: user"),
            [
                "bad.yaml:5:1: population: missing required key 'devices'",
                "bad.yaml:6:13: population.identity: 'user' must contain {device} or {uuid}, so that each device has its "
                    + "own user id",
            ]
        ),
        (
            minimalWith("name: my run"),
            [
                "bad.yaml:5:7: name: 'my run' is not a valid name; use only letters, digits, '.', '_' and '-' (it "
                    + "names the report)"
            ]
        ),
        (
            minimalWith("seed: -1\ndrain: 10"),
            [
                "bad.yaml:5:7: seed: expected an integer from 0 to 18446744073709551615, got '-1'",
                "bad.yaml:6:8: drain: '10' is not a duration with a unit (us, ms, s, m, h)",
            ]
        ),
        (minimalWith("duration: 0s"), ["bad.yaml:5:11: duration: must be more than 0, got '0s'"]),
        (
            minimalWith("target: ftp://example.com"),
            [
                "bad.yaml:5:9: target: 'ftp://example.com' has scheme 'ftp'; use ws:// or wss:// (WebSocket), http:// "
                    + "or https:// (REST), grpc:// or grpcs:// (gRPC)"
            ]
        ),
        (
            minimalWith("target: ws://host:99999/x"),
            ["bad.yaml:5:9: target: 'ws://host:99999/x' has port '99999'; a port is a number from 1 to 65535"]
        ),
        (
            minimalWith("target: ws://h:1\ncollector: {threads: 2}\nfaults: []"),
            [
                "bad.yaml:6:12: collector: only applies to the embedded collector; remove it or use target: embedded",
                "bad.yaml:7:9: faults: faults are injected by the embedded collector; remove them or use target: "
                    + "embedded",
            ]
        ),
        (
            minimalWith("collector: {threads: 0, ack: later, max_message_size: 512B, transport: mqtt}"),
            [
                "bad.yaml:5:22: collector.threads: must be from 1 to 1024, got 0",
                "bad.yaml:5:30: collector.ack: unknown ack mode 'later'; expected one of: immediate, after-publish",
                "bad.yaml:5:55: collector.max_message_size: must be at least 1KiB, got '512B'",
                "bad.yaml:5:72: collector.transport: unknown transport 'mqtt'; expected one of: websocket, rest, grpc",
            ]
        ),
        (
            minimalWith("collector: {max_message_size: 5GiB, legacy_cap_answer: maybe}"),
            [
                "bad.yaml:5:31: collector.max_message_size: must be at most 4GiB (a WebSocket frame's limit), got '5GiB'",
                "bad.yaml:5:56: collector.legacy_cap_answer: expected true or false, got 'maybe'",
            ]
        ),
        (
            minimalWith("faults:\n  - {from: 60s, to: 30s}\n  - {to: 1m}"),
            [
                "bad.yaml:6:21: faults[0].to: the window must end after it starts: to (30s) is not after from (60s)",
                "bad.yaml:7:5: faults[1]: missing required key 'from'",
            ]
        ),
        (
            minimalWith("population:\n  devices: 2000000"),
            ["bad.yaml:6:12: population.devices: must be from 1 to 1000000, got 2000000"]
        ),
        (
            minimalWith("population:\n  devices: many"),
            ["bad.yaml:6:12: population.devices: expected an integer, got 'many'"]
        ),
        (
            minimalWith("population:\n  devices: 10\n  flavors: {android: 60%, ios: 30%}"),
            ["bad.yaml:7:12: population.flavors: shares add up to 90%, not 100%"]
        ),
        (
            minimalWith("population:\n  devices: 10\n  flavors: {android: 50%, ios: 49.995%}"),
            []
        ),
        (
            minimalWith("population:\n  devices: 10\n  flavors: {andriod: 100%}"),
            [
                "bad.yaml:7:13: population.flavors: unknown flavor 'andriod' (did you mean 'android'?); expected one "
                    + "of: android, ios"
            ]
        ),
        (
            minimalWith(
                "population:\n  devices: 10\n  arrival:\n    stages:\n      - {to: 11, over: 1m}\n      - {hold: 1m, "
                    + "to: 3}\n      - {to: 4}\n      - {over: 2s}"),
            [
                "bad.yaml:9:14: population.arrival.stages[0].to: stage target 11 is above population.devices (10)",
                "bad.yaml:10:9: population.arrival.stages[1]: a stage is either {to: N, over: DURATION} or {hold: "
                    + "DURATION}, not both",
                "bad.yaml:11:9: population.arrival.stages[2]: missing required key 'over'",
                "bad.yaml:12:9: population.arrival.stages[3]: a stage needs to and over ({to: N, over: DURATION}) or "
                    + "hold ({hold: DURATION})",
            ]
        ),
        (
            minimalWith("population:\n  devices: 10\n  arrival: {stages: [{hold: 1m}], sessions_per_second: 2}"),
            [
                "bad.yaml:7:3: population.arrival: give either stages (closed model) or sessions_per_second (open "
                    + "model), not both"
            ]
        ),
        (
            minimalWith("population:\n  devices: 10\n  arrival: {sessions_per_second: 0}"),
            ["bad.yaml:7:34: population.arrival.sessions_per_second: must be more than 0, got '0'"]
        ),
        (
            minimalWith("sdk:\n  ios: {events_per_batch: 20, max_retries: 0}\n  android: {max_batch_size: 1KiB}"),
            [
                "bad.yaml:6:9: sdk.ios: events_per_batch is an Android setting; iOS batches by size (max_batch_size)",
                "bad.yaml:6:44: sdk.ios.max_retries: must be at least 1, got 0",
                "bad.yaml:7:13: sdk.android: max_batch_size is an iOS setting; Android batches by count "
                    + "(events_per_batch)",
            ]
        ),
        (
            minimalWith("battery: {initial: uniform(30%, 120%), drain_per_hour: {foreground: fast}}"),
            [
                "bad.yaml:5:20: battery.initial: 'uniform(30%, 120%)' has '120%', which is not a percentage (like 25%)",
                "bad.yaml:5:69: battery.drain_per_hour.foreground: 'fast' is not a percentage (like 25%)",
            ]
        ),
        (
            minimalWith(
                "networks:\n  profiles:\n    fast: {latency: 5, bandwidth: 0}\n    slow: {kind: 2g, offline: {every: "
                    + "10m}}\n  mix: {wifi: 50%, 5g: 50%}"),
            [
                "bad.yaml:7:5: networks.profiles.fast: missing required key 'kind'",
                "bad.yaml:7:21: networks.profiles.fast.latency: '5' is not a duration with a unit (us, ms, s, m, h)",
                "bad.yaml:7:35: networks.profiles.fast.bandwidth: must be more than 0, got '0'",
                "bad.yaml:8:22: networks.profiles.slow.offline: missing required key 'for'",
                "bad.yaml:9:20: networks.mix: unknown network profile '5g'; expected one of: 2g, 3g, 4g, "
                    + "fast, slow, wifi",
            ]
        ),
        (
            minimalWith("lifecycle: {kill_in_background: 2, app_opened_event: maybe}"),
            [
                "bad.yaml:5:33: lifecycle.kill_in_background: '2' is not a percentage (like 25%) or a fraction from 0 "
                    + "to 1",
                "bad.yaml:5:54: lifecycle.app_opened_event: expected true or false, got 'maybe'",
            ]
        ),
        (
            minimalWith(
                "remote_config:\n  cohorts:\n    - {name: a, share: 60%, config: {classification: {Adimpression: "
                    + "instant}, sampling: {ScreenView: 150%}}}\n    - {name: a, share: 30%}\n  changes:\n    - {at: 1m, "
                    + "cohorts: [b], config: {drop: [Nope]}}\n    - {at: 2m}"),
            [
                "bad.yaml:7:5: remote_config.cohorts: cohort shares add up to 90%, not 100%",
                "bad.yaml:7:55: remote_config.cohorts[0].config.classification: unknown contract 'Adimpression' (did you "
                    + "mean 'AdImpression'?); expected one of: AppOpened, ScreenView, ButtonClick, Search, AdImpression, "
                    + "AdClick, OrderPlaced, PaymentCompleted, Health",
                "bad.yaml:7:102: remote_config.cohorts[0].config.sampling.ScreenView: '150%' is not a percentage (like "
                    + "25%) or a fraction from 0 to 1",
                "bad.yaml:8:14: remote_config.cohorts[1].name: cohort 'a' is defined twice",
                "bad.yaml:10:26: remote_config.changes[0].cohorts[0]: unknown cohort 'b'; expected one of: a",
                "bad.yaml:10:46: remote_config.changes[0].config.drop[0]: unknown contract 'Nope'; expected one of: "
                    + "AppOpened, ScreenView, ButtonClick, Search, AdImpression, AdClick, OrderPlaced, PaymentCompleted, "
                    + "Health",
                "bad.yaml:11:7: remote_config.changes[1]: missing required key 'config'",
            ]
        ),
        (
            "name: x\nduration: 1m\npopulation: {devices: 1}\njourneys: []",
            ["bad.yaml:4:11: journeys: needs at least one journey"]
        ),
        (
            """
            name: x
            duration: 1m
            population: {devices: 1}
            journeys:
              - name: browse
                weight: 0
                start: hom
                screens:
                  home:
                    think: 3
                    events:
                      - contract: ScreenView
                        attributes: {event_guid: x, load_time_ms: fast, nope: 1, screen_name: 12}
                      - {count: 2}
                    next: {product: 60%, exit: 10%}
                  product:
                    next: {checkout: 100%}
                  exit: {}
              - name: browse
                start: s
                screens: {s: {}}
            """,
            [
                "bad.yaml:6:13: journeys[0].weight: must be more than 0, got '0'",
                "bad.yaml:7:12: journeys[0].start: unknown start screen 'hom' (did you mean 'home'?); expected one of: "
                    + "home, product",
                "bad.yaml:10:16: journeys[0].screens.home.think: '3' is not a duration with a unit (us, ms, s, m, h)",
                "bad.yaml:13:26: journeys[0].screens.home.events[0].attributes: event_guid is set by the app for every "
                    + "event; remove it",
                "bad.yaml:13:55: journeys[0].screens.home.events[0].attributes.load_time_ms: ScreenView.load_time_ms "
                    + "cannot take 'fast': it takes a number",
                "bad.yaml:13:61: journeys[0].screens.home.events[0].attributes: ScreenView has no field 'nope'",
                "bad.yaml:13:83: journeys[0].screens.home.events[0].attributes.screen_name: ScreenView.screen_name "
                    + "cannot take '12': it takes a text (put it in quotes)",
                "bad.yaml:14:13: journeys[0].screens.home.events[1]: missing required key 'contract'",
                "bad.yaml:15:15: journeys[0].screens.home.next: shares add up to 70%, not 100%",
                "bad.yaml:17:16: journeys[0].screens.product.next: unknown screen 'checkout'; expected one of: home, "
                    + "product, exit",
                "bad.yaml:18:7: journeys[0].screens: 'exit' is reserved for ending the journey; give the screen another "
                    + "name",
                "bad.yaml:19:5: journeys[1]: journey 'browse' is defined twice",
            ]
        ),
        (
            minimalWith("slos: {latency: {p98: 1s}, drop_rate_by_reason: {full: 1%}, delivery_ratio: all}"),
            [
                "bad.yaml:5:18: slos.latency: unknown key 'p98' (did you mean 'p90'?); expected one of: p50, p90, p95, "
                    + "p99, p99.9, max",
                "bad.yaml:5:50: slos.drop_rate_by_reason: unknown drop reason 'full'; expected one of: drop_list, "
                    + "store_full, socket_not_open, instant_unacked, retries_exhausted",
                "bad.yaml:5:77: slos.delivery_ratio: 'all' is not a percentage (like 25%) or a fraction from 0 to 1",
            ]
        ),
        (
            minimalWith("battery: [1, 2]\nlifecycle: {session: [1s]}"),
            [
                "bad.yaml:5:10: battery: expected a mapping (key: value lines), got a list",
                "bad.yaml:6:22: lifecycle.session: expected a duration with a unit (us, ms, s, m, h) or a distribution "
                    + "like uniform(a, b), got a list",
            ]
        ),
    ]

    /// The minimal valid file with `lines` appended after it (from line 5): a top-level key given
    /// twice is an error, so the additions use keys the minimal file leaves out, or replace its own.
    static func minimalWith(_ lines: String) -> String {
        var base = [
            "name: tiny", "duration: 1m", "population: {devices: 5}",
            "journeys: [{name: j, start: s, screens: {s: {}}}]",
        ]
        for line in lines.split(separator: "\n") {
            guard let key = line.split(separator: ":").first, !line.hasPrefix(" ") else { continue }
            if let index = base.firstIndex(where: { $0.hasPrefix(key + ":") }) { base[index] = "# replaced" }
        }
        return base.joined(separator: "\n") + "\n" + lines
    }

    @Test(arguments: 0..<badFiles.count)
    func reportsEveryErrorWithItsPlace(index: Int) {
        let (yaml, expected) = Self.badFiles[index]
        do {
            _ = try Scenario(yaml: yaml, file: "bad.yaml")
            #expect(expected.isEmpty, "parsed, but expected errors:\n\(expected.joined(separator: "\n"))")
        } catch {
            #expect(error.errors.map(\.description) == expected, "file:\n\(yaml)")
        }
    }

    @Test func errorsCarryTheirPartsAndListOnePerLine() {
        do {
            _ = try Scenario(yaml: Self.minimalWith("seed: x\ndrain: 1"), file: "s.yaml")
            Issue.record("expected errors")
        } catch {
            #expect(
                error.errors.first
                    == ScenarioError(
                        file: "s.yaml", line: 5, column: 7, path: "seed",
                        message: "expected an integer from 0 to 18446744073709551615, got 'x'"))
            #expect(error.description.split(separator: "\n").count == 2)
        }
    }

    @Test func loadsAFileAndReportsAnUnreadableOne() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tiny.yaml").path
        try Self.minimal.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try Scenario.load(file: path).name == "tiny")
        #expect(try Scenario.load(file: path).file == path)

        let missing = directory.appendingPathComponent("missing.yaml").path
        #expect(throws: ScenarioErrors.self) { try Scenario.load(file: missing) }
        do {
            _ = try Scenario.load(file: missing)
        } catch {
            #expect(error.description == "\(missing): no such file")
        }
        do {
            _ = try Scenario.load(file: directory.path)
        } catch {
            #expect(error.description == "\(directory.path): is a folder, not a file")
        }
        // A device or a FIFO is named for what it is, not blamed on permissions.
        do {
            _ = try Scenario.load(file: "/dev/zero")
        } catch {
            #expect(error.description == "/dev/zero: is a device, not a regular file")
        }
    }

    /// Random edits of the full file must give a scenario or positioned errors, never a crash.
    @Test func neverCrashesOnMutatedFiles() {
        var random = SeededRandom(seed: 2024)
        let source = Array(Self.fullFile.unicodeScalars)
        let noise = Array(":-[]{}&*!|>'\"%@`#,()\n\t 0123456789abcxyz{device}é".unicodeScalars)
        func pick(_ count: Int) -> Int { Int(random.nextUnit() * Double(count)) % max(count, 1) }
        var parsed = 0
        for _ in 0..<800 {
            var scalars = source
            for _ in 0..<(1 + pick(6)) {
                let at = pick(scalars.count)
                switch pick(5) {
                case 0: scalars.remove(at: at)
                case 1: scalars.insert(noise[pick(noise.count)], at: at)
                case 2: scalars[at] = noise[pick(noise.count)]
                case 3: scalars.removeSubrange(at..<min(scalars.count, at + pick(40)))
                default:
                    let length = pick(60)
                    let piece = scalars[at..<min(scalars.count, at + length)]
                    scalars.insert(contentsOf: piece, at: pick(scalars.count))
                }
                if scalars.isEmpty { break }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
            do {
                _ = try Scenario(yaml: text, file: "fuzz.yaml")
                parsed += 1
            } catch {
                #expect(!error.errors.isEmpty)
                for problem in error.errors {
                    #expect(problem.line >= 1 && problem.line <= lineCount + 1, "\(problem)")
                    #expect(problem.column >= 1, "\(problem)")
                    #expect(!problem.message.isEmpty)
                }
            }
        }
        #expect(parsed < 800)
    }

    @Test func neverCrashesOnDeepOrOddDocuments() {
        let odd = [
            String(repeating: "[", count: 5000),
            String(repeating: "a: {", count: 300) + String(repeating: "}", count: 300),
            "name: &a x\nduration: *a\n",
            "!!binary x",
            "---\nname: x\n---\nname: y\n",
            "\u{FEFF}name: x",
            "name: x\0y",
            Self.minimalWith(
                "journeys: [{name: j, start: s, screens: {s: {events: [{contract: Search, attributes: {filters: "
                    + String(repeating: "[", count: 60) + String(repeating: "]", count: 60) + "}}]}}}]"),
        ]
        // Each level repeats the one before ten times: 10^9 strings if expanded in full.
        var laughs = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]"
        for level in 1...8 {
            let items = Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
            laughs += ", l\(level): &l\(level) [\(items)]"
        }
        let bomb = Self.minimalWith(
            "journeys: [{name: j, start: s, screens: {s: {events: [{contract: Search, attributes: {\(laughs)}}]}}}]")
        do {
            _ = try Scenario(yaml: bomb, file: "odd.yaml")
            Issue.record("expected errors")
        } catch {
            #expect(error.errors.contains { $0.message == "attributes have more than 10000 values" })
        }
        for text in odd {
            #expect(throws: ScenarioErrors.self) { try Scenario(yaml: text, file: "odd.yaml") }
        }
    }
}
