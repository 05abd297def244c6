import Foundation

/// What was run, where and when: the `run` section of a report.
public struct RunInfo: Codable, Sendable, Equatable {
    public enum Mode: String, Codable, Sendable {
        case live, simulated
    }

    /// This shard's place in a sharded run (`--shard index/count`, index from 0): it ran devices
    /// `index`, `index + count`, ... of the population (`RunInfo.devices` stays the population).
    public struct Shard: Codable, Sendable, Equatable {
        public var index: Int
        public var count: Int
        /// How many devices this shard ran; nil in reports that did not record it.
        public var devices: Int?

        public init(index: Int, count: Int, devices: Int? = nil) {
            self.index = index
            self.count = count
            self.devices = devices
        }

        /// The device indexes of this shard in a population of `population` devices.
        public func indexes(population: Int) -> StrideTo<Int> {
            stride(from: index, to: population, by: count)
        }
    }

    /// The version of ClickSwarm: reports record it, `clickswarm --version` prints it.
    public static let toolVersion = "0.2.0"

    /// A run id as reports write it: eight hexadecimal digits.
    public static func runID(_ id: UInt32) -> String { String(format: "%08x", id) }

    public var id: String
    public var scenario: String
    public var description: String
    public var scenarioFile: String
    public var seed: UInt64
    public var mode: Mode
    /// `embedded` or the collector URL.
    public var target: String
    /// ISO-8601 UTC, like `2026-11-29T03:04:05Z` (see `timestamp(_:)`).
    public var startedAt: String
    public var endedAt: String
    /// Scripted duration and drain, in seconds of run time (virtual in a simulated run).
    public var durationS: Double
    public var drainS: Double
    /// Real seconds the run took.
    public var wallSeconds: Double
    /// Stopped early (Ctrl-C): figures cover only the part that ran.
    public var interrupted: Bool
    public var devices: Int
    public var shard: Shard?
    public var toolVersion: String
    /// True in a partial report, written during the run (every few seconds, beside the final
    /// one) so that a run that crashed still leaves its figures; absent from a final report.
    public var partial: Bool?
    /// How the devices' connections were secured; absent when they were plain.
    public var tls: TLS?

    /// The `tls` section of a report.
    public struct TLS: Codable, Sendable, Equatable {
        /// False with `--insecure`: neither certificates nor host names were checked.
        public var verified: Bool
        /// The CA file trusted instead of the system's certificate authorities.
        public var caFile: String?
        /// The devices presented a client certificate (mutual TLS).
        public var clientCertificate: Bool
        /// The embedded collector served a certificate it made at start (`collector.tls`).
        public var selfSigned: Bool

        public init(verified: Bool, caFile: String? = nil, clientCertificate: Bool = false, selfSigned: Bool = false) {
            self.verified = verified
            self.caFile = caFile
            self.clientCertificate = clientCertificate
            self.selfSigned = selfSigned
        }

        enum CodingKeys: String, CodingKey {
            case verified
            case caFile = "ca_file"
            case clientCertificate = "client_certificate"
            case selfSigned = "self_signed"
        }
    }

    public init(
        id: String, scenario: String, description: String = "", scenarioFile: String = "", seed: UInt64,
        mode: Mode, target: String, startedAt: String, endedAt: String, durationS: Double, drainS: Double,
        wallSeconds: Double, interrupted: Bool = false, devices: Int, shard: Shard? = nil, toolVersion: String
    ) {
        self.id = id
        self.scenario = scenario
        self.description = description
        self.scenarioFile = scenarioFile
        self.seed = seed
        self.mode = mode
        self.target = target
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.durationS = durationS
        self.drainS = drainS
        self.wallSeconds = wallSeconds
        self.interrupted = interrupted
        self.devices = devices
        self.shard = shard
        self.toolVersion = toolVersion
    }

    enum CodingKeys: String, CodingKey {
        case id, scenario, description, seed, mode, target, interrupted, devices, shard, partial, tls
        case scenarioFile = "scenario_file"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case durationS = "duration_s"
        case drainS = "drain_s"
        case wallSeconds = "wall_seconds"
        case toolVersion = "tool_version"
    }

    /// `date` as ISO-8601 UTC with whole seconds, the form of `startedAt` and `endedAt`.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
