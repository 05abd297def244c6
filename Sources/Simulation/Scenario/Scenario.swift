import ClickstreamSDK
import RaccoonWire
import SwarmPrimitives

/// A parsed, validated scenario file (`scenarios/NAME.yaml`; the schema is documented in
/// `scenarios/README.md`). Durations are in seconds, shares and probabilities are fractions from
/// 0 to 1 (the file writes them as `50%`), byte sizes are in bytes.
public struct Scenario: Sendable, Equatable {
    /// `[A-Za-z0-9._-]+`; it names the report file.
    public var name: String
    public var description: String = ""
    public var seed: UInt64 = 1
    /// How long the journeys run.
    public var duration: Double
    /// How long devices keep sending after the journeys stop, before pending events are counted.
    public var drain: Double = 10
    public var target: Target = .embedded
    /// How a `wss://`, `https://` or `grpcs://` target is checked (`target.ca_file`, `--insecure`, ...).
    public var targetTLS = TargetTLS()
    /// The embedded collector's settings (ignored for a remote target).
    public var collector = EmbeddedCollector()
    /// Faults the embedded collector injects, by time window.
    public var faults: [FaultWindow] = []
    public var population: Population
    public var sdk = SDKOverrides()
    public var battery = Battery()
    public var networks = Networks()
    public var lifecycle = Lifecycle()
    public var remoteConfig = RemoteConfigPlan()
    /// At least one.
    public var journeys: [Journey]
    public var slos = SLOs()
    /// `capacity`: how `clickswarm capacity` searches this scenario's knee (flags override it).
    public var capacity = CapacityPlan()
    /// The file it came from, for messages.
    public var file: String = ""

    public init(name: String, duration: Double, population: Population, journeys: [Journey]) {
        self.name = name
        self.duration = duration
        self.population = population
        self.journeys = journeys
    }
}

extension Scenario {
    public enum Target: Sendable, Equatable, CustomStringConvertible {
        /// A collector started in-process on a free loopback port.
        case embedded
        /// A running collector: `ws://`, `wss://` (WebSocket), `http://`, `https://` (REST) or
        /// `grpc://`, `grpcs://` (gRPC) with host, port and path (the gRPC method's path is fixed).
        case remote(url: String, scheme: Scheme, host: String, port: Int, path: String)

        public enum Scheme: String, Sendable, Equatable {
            case ws, wss, http, https, grpc, grpcs

            /// Whether the scheme is the TLS form.
            public var isTLS: Bool { self == .wss || self == .https || self == .grpcs }

            /// How the devices reach a target of this scheme.
            public var transport: Transport {
                switch self {
                case .ws, .wss: return .websocket
                case .http, .https: return .rest
                case .grpc, .grpcs: return .grpc
                }
            }
        }

        /// The target as reports and summaries show it: the URL without credentials and query
        /// values (`Target.redacted`).
        public var description: String {
            switch self {
            case .embedded: return "embedded"
            case .remote(let url, _, _, _, _): return Self.redacted(url)
            }
        }
    }

    public struct EmbeddedCollector: Sendable, Equatable {
        /// Event-loop threads of the collector (default 1).
        public var threads = 1
        /// `immediate` or `after-publish`.
        public var ackAfterPublish = false
        public var publishDelay = Distribution.constant(0)
        public var deduplicate = false
        /// Largest message the collector takes; `nil`: no limit, as Raccoon.
        public var maxMessageBytes: Int?
        /// Answer refused connections as Raccoon v0.1.3-v0.1.4 did: code 5 and an empty reason.
        public var legacyCapAnswer = false
        /// `websocket` (default), `rest` or `grpc`: how devices reach the embedded collector.
        public var transport = Transport.websocket
        /// Serve TLS with a certificate made at start, which the devices trust (`wss://`,
        /// `https://`, `grpcs://` on loopback).
        public var tls = false
        /// The gRPC port of `transport: grpc` (0: a free one).
        public var grpcPort = 0
        /// Publish every delivered event to Kafka, as Raccoon does; `nil`: no Kafka.
        public var kafka: KafkaPublisher?
        /// The known-answer limit (`max_events_per_second`): a token bucket after which the
        /// collector stops reading; `nil`: no limit. A simulated run models it in virtual time.
        public var maxEventsPerSecond: Double?
        public init() {}
    }

    public enum Transport: String, Sendable, Equatable {
        case websocket, rest, grpc
    }

    /// From `start` (inclusive) to `end` (exclusive) the collector injects these faults; a
    /// setting left out keeps its no-fault value.
    public struct FaultWindow: Sendable, Equatable {
        public var start: Double
        public var end: Double
        public var outage = false
        public var ackLoss: Double = 0
        public var errorRate: Double = 0
        /// A duration distribution.
        public var ackDelay = Distribution.constant(0)
        public var publishStall = false
        /// The run's own broker (`collector.kafka: local`) is down: its connections close and new
        /// ones are refused; messages wait in the collector's producer (up to its message timeout).
        public var brokerDown = false
        /// The 1-based line of the entry, for messages.
        public var line = 0
        public init(start: Double, end: Double) {
            self.start = start
            self.end = end
        }
    }

    public struct Population: Sendable, Equatable {
        /// How many devices the population has (the most online at once in the closed model).
        public var devices: Int
        public var arrival = Arrival.stages([Stage(target: nil, over: 5)])
        /// Flavor to share; shares sum to 1.
        public var flavors: [SDKFlavor: Double] = [.android: 0.5, .ios: 0.5]
        /// The X-User-ID template: `{device}` is the index, `{uuid}` a UUID seeded per device.
        public var identity = "clickswarm-{device}"
        /// Extra headers on every connection (the WebSocket upgrade, every REST request, the
        /// gRPC metadata), with `{device}`, `{uuid}` and `${ENV}` in their values
        /// (`HeaderTemplate`); values are never printed.
        public var headers: [HeaderTemplate] = []
        public init(devices: Int) { self.devices = devices }
    }

    public enum Arrival: Sendable, Equatable {
        /// Closed model: the number of devices online follows these stages in order.
        case stages([Stage])
        /// Open model: new app sessions start at this rate (Poisson), each on the lowest-index
        /// device not already in a session.
        case open(sessionsPerSecond: Double)
    }

    /// Ramp linearly to `target` devices online over `over` seconds (`target` nil: the whole
    /// population), or hold the current count for `over` seconds (`hold: 5m` sets `isHold`).
    public struct Stage: Sendable, Equatable {
        public var target: Int?
        public var over: Double
        public var isHold = false
        public init(target: Int?, over: Double, isHold: Bool = false) {
            self.target = target
            self.over = over
            self.isHold = isHold
        }
    }

    /// Per-flavor changes to the SDK defaults of ../shared/spec/clickstream-sdk.md; nil keeps the
    /// default.
    public struct SDKOverrides: Sendable, Equatable {
        public var android = FlavorOverrides()
        public var ios = FlavorOverrides()
        public init() {}
        public subscript(flavor: SDKFlavor) -> FlavorOverrides {
            get { flavor == .ios ? ios : android }
            set { if flavor == .ios { ios = newValue } else { android = newValue } }
        }
    }

    public struct FlavorOverrides: Sendable, Equatable {
        public var minBatteryLevel: Double?
        public var batchPeriod: Double?
        public var ackTimeout: Double?
        /// The upstream `maxRetriesPerBatch`: Android sends a batch this many times plus one,
        /// iOS writes it this many times plus two.
        public var maxRetriesPerBatch: Int?
        public var eventsPerBatch: Int?
        public var maxBatchBytes: Int?
        /// A store bound: not in the upstream SDKs (no bound by default).
        public var storeCapacityEvents: Int?
        /// A store bound: not in the upstream SDKs (no bound by default).
        public var storeCapacityBytes: Int?
        public var connectTimeout: Double?
        public var flushOnBackground: Bool?
        /// iOS: the close countdown; Android: the lifecycle debounce (see `lifecycleDebounce`).
        public var closeAfterBackground: Double?
        /// Android: the lifecycle debounce (10 s): the socket connects that long after a
        /// foreground and closes that long after a background.
        public var lifecycleDebounce: Double?
        /// The SDK's health events (on by default; upstream they are off unless the app wires
        /// a health gateway (Android) or debug mode (iOS)).
        public var health: Bool?
        /// Android: the OkHttp client's ping interval (1 s); 0 turns pings off.
        public var pingInterval: Double?
        /// Android: how long a pong may take (the interval, as OkHttp).
        public var pongTimeout: Double?
        /// iOS: keep resending while the socket is unavailable (before clickstream-ios PR #62).
        public var retryWhileUnavailable: Bool?
        /// Android with the iOS sampler: not in the upstream SDK.
        public var sampler: Bool?
        public init() {}
    }

    public struct Battery: Sendable, Equatable {
        /// Initial level in percent (0-100), clamped.
        public var initial = Distribution.uniform(30, 100)
        /// Percentage points per hour.
        public var drainForeground: Double = 10
        public var drainBackground: Double = 1
        /// Chance per hour that an unplugged device is plugged in.
        public var chargeStartPerHour: Double = 0
        /// Percentage points per hour while charging.
        public var chargeRate: Double = 40
        /// How long a device stays plugged in (seconds).
        public var chargeDuration = Distribution.uniform(1200, 3600)
        /// Share of devices charging at the start.
        public var chargingInitially: Double = 0
        public init() {}
    }

    public struct Networks: Sendable, Equatable {
        /// By name: the built-in `wifi`, `4g`, `3g`, `2g` (which the file may override) and custom ones.
        public var profiles: [String: NetworkProfile] = NetworkProfile.builtIn
        /// Profile name to share; shares sum to 1.
        public var mix: [String: Double] = ["wifi": 1]
        public init() {}
    }

    public struct NetworkProfile: Sendable, Equatable {
        /// What the SDK sees (the iOS keepalive factor comes from it).
        public var kind: NetworkKind
        /// One-way base latency, sampled once per device (seconds).
        public var latency: Distribution
        /// Extra one-way delay per message (seconds); order is kept.
        public var jitter: Distribution
        /// Bytes per second each way; nil is unlimited.
        public var bandwidth: Double?
        /// Probability that the connection is dropped in any given minute.
        public var dropsPerMinute: Double
        /// Offline windows: the time between them and their length; nil for none.
        public var offlineEvery: Distribution?
        public var offlineFor: Distribution?

        public init(
            kind: NetworkKind, latency: Distribution, jitter: Distribution, bandwidth: Double?,
            dropsPerMinute: Double, offlineEvery: Distribution? = nil, offlineFor: Distribution? = nil
        ) {
            self.kind = kind
            self.latency = latency
            self.jitter = jitter
            self.bandwidth = bandwidth
            self.dropsPerMinute = dropsPerMinute
            self.offlineEvery = offlineEvery
            self.offlineFor = offlineFor
        }

        public static let builtIn: [String: NetworkProfile] = [
            "wifi": NetworkProfile(
                kind: .wifi, latency: .constant(0.005), jitter: .uniform(0, 0.003), bandwidth: 6_250_000,
                dropsPerMinute: 0.001),
            "4g": NetworkProfile(
                kind: .cellular4G, latency: .constant(0.025), jitter: .uniform(0, 0.015), bandwidth: 2_500_000,
                dropsPerMinute: 0.005),
            "3g": NetworkProfile(
                kind: .cellular3G, latency: .constant(0.1), jitter: .uniform(0, 0.06), bandwidth: 250_000,
                dropsPerMinute: 0.02),
            "2g": NetworkProfile(
                kind: .cellular2G, latency: .constant(0.3), jitter: .uniform(0, 0.2), bandwidth: 30_000,
                dropsPerMinute: 0.05),
        ]
    }

    public struct Lifecycle: Sendable, Equatable {
        /// Foreground time per app session (seconds); nil: the app stays in front all run.
        public var session: Distribution?
        /// Background time between sessions (seconds).
        public var background = Distribution.exponential(mean: 120)
        /// Probability that an app sent to the background is killed before its next session.
        public var killInBackground: Double = 0
        /// Pause between two journeys in one session (seconds).
        public var betweenJourneys = Distribution.constant(1)
        /// Track an `AppOpened` at each session start.
        public var appOpenedEvent = true
        public init() {}
    }

    public struct RemoteConfigPlan: Sendable, Equatable {
        /// Shares sum to 1; no cohorts means one cohort `default` with an empty config.
        public var cohorts: [Cohort] = []
        /// In time order.
        public var changes: [ConfigChange] = []
        public init() {}
    }

    public struct Cohort: Sendable, Equatable {
        public var name: String
        public var share: Double
        public var config: RemoteConfig
        public init(name: String, share: Double, config: RemoteConfig) {
            self.name = name
            self.share = share
            self.config = config
        }
    }

    /// At `at` seconds the named cohorts (all when empty) switch to `config`.
    public struct ConfigChange: Sendable, Equatable {
        public var at: Double
        public var cohorts: [String]
        public var config: RemoteConfig
        public init(at: Double, cohorts: [String], config: RemoteConfig) {
            self.at = at
            self.cohorts = cohorts
            self.config = config
        }
    }

    public struct Journey: Sendable, Equatable {
        public var name: String
        public var weight: Double
        public var start: String
        public var screens: [String: Screen]
        public init(name: String, weight: Double, start: String, screens: [String: Screen]) {
            self.name = name
            self.weight = weight
            self.start = start
            self.screens = screens
        }
    }

    public struct Screen: Sendable, Equatable {
        public var events: [ScreenEvent]
        /// Time on the screen before moving on (seconds).
        public var think: Distribution
        /// Next screen name (or `exit`) to probability; sums to 1. Sorted by name for determinism.
        public var next: [(screen: String, probability: Double)]
        public init(events: [ScreenEvent], think: Distribution, next: [(screen: String, probability: Double)]) {
            self.events = events
            self.think = think
            self.next = next
        }
        public static func == (lhs: Screen, rhs: Screen) -> Bool {
            lhs.events == rhs.events && lhs.think == rhs.think
                && lhs.next.map(\.screen) == rhs.next.map(\.screen)
                && lhs.next.map(\.probability) == rhs.next.map(\.probability)
        }
    }

    public struct ScreenEvent: Sendable, Equatable {
        /// An `EventContracts.all` contract name (`ScreenView`, `AdImpression`, ...).
        public var contract: String
        /// How many to track on entering the screen (rounded, at least 0).
        public var count = Distribution.constant(1)
        /// Spacing between them (seconds).
        public var gap = Distribution.constant(0)
        /// Field values, as the contract's protobuf JSON (checked when parsed).
        public var attributesJSON = "{}"
        public init(contract: String) { self.contract = contract }
    }

    /// Thresholds a run must meet; nil is not checked.
    public struct SLOs: Sendable, Equatable {
        /// Percentile (50, 90, 95, 99, 99.9, 100) to the most event latency allowed (seconds).
        public var latency: [Double: Double] = [:]
        /// Percentile to the most batch round trip allowed (seconds).
        public var batchRoundTrip: [Double: Double] = [:]
        /// Least `acked / (generated - sampled_out - dropped[drop_list])`.
        public var deliveryRatio: Double?
        /// Most `dropped (all reasons but drop_list) / generated`.
        public var dropRate: Double?
        /// Most drops per reason, as a fraction of generated.
        public var dropRateByReason: [String: Double] = [:]
        /// Least `connected / attempts`.
        public var connectSuccess: Double?
        /// The built-in checks a run that delivered nothing fails: at least one event acked and
        /// one connection opened. `slos: {require_delivery: false}` turns them off (a scenario
        /// that means to deliver nothing).
        public var requireDelivery = true
        /// Most acked events a Kafka audit (`run --audit-kafka`) may find missing; 0 when unset.
        public var missingAfterAck: Double?
        public init() {}
    }
}
