import Foundation

/// Command-line changes to a scenario (`--devices`, `--duration`, `--seed`, `--target`, the TLS
/// flags, `--header`, `--collector-ack`).
public struct ScenarioOverrides: Sendable, Equatable {
    public var devices: Int?
    /// Seconds.
    public var duration: Double?
    public var seed: UInt64?
    public var target: Scenario.Target?
    /// `--ca-file`, `--insecure`, `--client-cert`, `--client-key`: each set one replaces the
    /// scenario's `target` setting.
    public var caFile: String?
    public var insecure = false
    public var clientCertificate: String?
    public var clientKey: String?
    /// `--header`: added to `population.headers`, replacing one of the same name.
    public var headers: [HeaderTemplate] = []
    /// Where `${NAME}` in header values is read from; nil: the process's environment.
    public var environment: [String: String]?
    /// `--collector-ack`: the embedded collector's ack mode, `true` for after-publish.
    public var ackAfterPublish: Bool?
    public init(devices: Int? = nil, duration: Double? = nil, seed: UInt64? = nil, target: Scenario.Target? = nil) {
        self.devices = devices
        self.duration = duration
        self.seed = seed
        self.target = target
    }
}

extension Scenario {
    /// The scenario with the overrides applied. A new device count scales the ramp stages'
    /// targets in proportion, so a 10,000-device ramp run with `--devices 100` keeps its shape;
    /// a new duration scales the stages' lengths the same way, so the ramp still reaches its
    /// peak within the journeys.
    public func applying(_ overrides: ScenarioOverrides) throws(RunError) -> Scenario {
        var scenario = self
        if let devices = overrides.devices {
            guard devices >= 1 else { throw .invalidInput("--devices must be at least 1, not \(devices)") }
            let old = population.devices
            scenario.population.devices = devices
            if case .stages(let stages) = population.arrival {
                scenario.population.arrival = .stages(
                    stages.map { stage in
                        var scaled = stage
                        if let target = stage.target {
                            let value = (Double(target) * Double(devices) / Double(max(old, 1))).rounded()
                            scaled.target = min(devices, Int(value))
                        }
                        return scaled
                    })
            }
        }
        if let duration = overrides.duration {
            guard duration > 0 else { throw .invalidInput("--duration must be positive") }
            if case .stages(let stages) = scenario.population.arrival, self.duration > 0 {
                let scale = duration / self.duration
                scenario.population.arrival = .stages(
                    stages.map { stage in
                        var scaled = stage
                        scaled.over = stage.over * scale
                        return scaled
                    })
            }
            scenario.duration = duration
        }
        if let seed = overrides.seed { scenario.seed = seed }
        if let afterPublish = overrides.ackAfterPublish { scenario.collector.ackAfterPublish = afterPublish }
        if let target = overrides.target {
            scenario.target = target
            if target != .embedded, !faults.isEmpty {
                throw .invalidInput(
                    "the scenario schedules collector faults, which need the embedded collector; "
                        + "a remote target (\(target)) cannot inject them")
            }
        }
        if overrides.ackAfterPublish != nil, scenario.target != .embedded {
            throw .invalidInput(
                "--collector-ack sets the embedded collector's ack mode; the target \(scenario.target) acks as it does")
        }
        try scenario.applyTLS(overrides)
        try scenario.applyHeaders(overrides)
        return scenario
    }

    private mutating func applyTLS(_ overrides: ScenarioOverrides) throws(RunError) {
        if let caFile = overrides.caFile { targetTLS.caFile = caFile }
        if overrides.insecure { targetTLS.insecure = true }
        if let certificate = overrides.clientCertificate { targetTLS.clientCertificate = certificate }
        if let key = overrides.clientKey { targetTLS.clientKey = key }
        guard (targetTLS.clientCertificate == nil) == (targetTLS.clientKey == nil) else {
            throw .invalidInput("--client-cert and --client-key go together: give both, or neither")
        }
        guard !targetTLS.isEmpty else { return }
        guard case .remote(_, let scheme, _, _, _) = target, scheme.isTLS else {
            throw .invalidInput(
                "--ca-file, --insecure, --client-cert and --client-key (or the target's TLS keys) need a wss://, "
                    + "https:// or grpcs:// target, not \(target)")
        }
    }

    /// `--header` over `population.headers`, then `${NAME}` read from the environment.
    private mutating func applyHeaders(_ overrides: ScenarioOverrides) throws(RunError) {
        for header in overrides.headers {
            population.headers.removeAll { $0.name.lowercased() == header.name.lowercased() }
            population.headers.append(header)
        }
        let environment = overrides.environment ?? ProcessInfo.processInfo.environment
        do {
            population.headers = try population.headers.map { header throws(HeaderTemplateError) in
                try header.resolvingEnvironment(environment)
            }
        } catch {
            throw .invalidInput("population.headers: \(error)")
        }
    }
}
