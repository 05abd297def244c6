import Collector
import Foundation
import RaccoonWire

/// `target`, `collector` and `faults`.
extension ScenarioParser {
    static let defaultEventsPath = "/api/v1/events"

    /// `embedded`, or a collector URL with host, optional port and path; or a mapping with the
    /// URL and its TLS settings (`url`, `ca_file`, `insecure`, `client_cert`, `client_key`).
    mutating func target(_ value: YAMLValue) -> (Scenario.Target, Scenario.TargetTLS)? {
        guard case .mapping = value.node else {
            guard let text = text(value) else { return nil }
            return targetURL(text, at: value).map { ($0, Scenario.TargetTLS()) }
        }
        let keys = ["url", "ca_file", "insecure", "client_cert", "client_key"]
        guard let fields = fields(value, keys: keys, required: ["url"]),
            let urlValue = fields["url"], let url = text(urlValue)
        else { return nil }
        guard let target = targetURL(url, at: urlValue) else { return nil }
        var tls = Scenario.TargetTLS()
        if let value = fields["ca_file"], let path = text(value) { tls.caFile = path }
        if let value = fields["insecure"], let insecure = bool(value) { tls.insecure = insecure }
        if let value = fields["client_cert"], let path = text(value) { tls.clientCertificate = path }
        if let value = fields["client_key"], let path = text(value) { tls.clientKey = path }
        if (tls.clientCertificate == nil) != (tls.clientKey == nil) {
            fail(value, "client_cert and client_key go together: give both, or neither")
        }
        if !tls.isEmpty {
            guard case .remote(_, let scheme, _, _, _) = target, scheme.isTLS else {
                fail(value, "ca_file, insecure, client_cert and client_key need a wss://, https:// or grpcs:// url")
                return nil
            }
        }
        return (target, tls)
    }

    private mutating func targetURL(_ text: String, at value: YAMLValue) -> Scenario.Target? {
        if text == "embedded" { return .embedded }
        switch Self.parseURL(text) {
        case .success(let target): return target
        case .failure(let problem):
            fail(value, "'\(Scenario.Target.redacted(text))' \(problem.message)")
            return nil
        }
    }

    struct URLProblem: Error {
        var message: String
    }

    static func parseURL(_ url: String) -> Result<Scenario.Target, URLProblem> {
        guard let separator = url.range(of: "://") else {
            return .failure(
                URLProblem(
                    message: "is not a target; use embedded or a ws://, wss://, http://, https://, grpc:// or "
                        + "grpcs:// URL"))
        }
        let schemeText = url[..<separator.lowerBound].lowercased()
        guard let scheme = Scenario.Target.Scheme(rawValue: schemeText) else {
            return .failure(
                URLProblem(
                    message: "has scheme '\(schemeText)'; use ws:// or wss:// (WebSocket), http:// or https:// (REST), "
                        + "grpc:// or grpcs:// (gRPC)"))
        }
        let rest = url[separator.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if path.isEmpty || path == "/" { path = defaultEventsPath }
        guard !path.hasPrefix("?"), !path.hasPrefix("#") else {
            return .failure(URLProblem(message: "has a query or fragment but no path"))
        }
        guard !authority.contains("@") else {
            return .failure(
                URLProblem(
                    message:
                        "has user information (a user or password before '@'); give credentials as a header instead"))
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                return .failure(URLProblem(message: "has an IPv6 host without its closing ']'"))
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    return .failure(URLProblem(message: "has text after its IPv6 host"))
                }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { return .failure(URLProblem(message: "has no host")) }
        let rawPath = rest[authorityEnd...]
        if scheme.transport == .grpc, !rawPath.isEmpty, rawPath != "/" {
            return .failure(
                URLProblem(message: "has a path; a gRPC target is host:port (the method is EventService/SendEvent)"))
        }
        // Raccoon serves gRPC on 8081; TLS schemes default to 443.
        var port = scheme.isTLS ? 443 : (scheme == .grpc ? 8081 : 80)
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                return .failure(URLProblem(message: "has port '\(portText)'; a port is a number from 1 to 65535"))
            }
            port = number
        }
        return .success(.remote(url: url, scheme: scheme, host: String(host), port: port, path: path))
    }

    mutating func collector(_ value: YAMLValue) -> Scenario.EmbeddedCollector? {
        let keys = [
            "threads", "ack", "publish_delay", "deduplicate", "max_message_size", "legacy_cap_answer", "transport",
            "tls", "grpc_port", "kafka", "max_events_per_second",
        ]
        guard let fields = fields(value, keys: keys) else { return nil }
        var collector = Scenario.EmbeddedCollector()
        if let value = fields["threads"], let threads = integer(value, in: 1...1024) { collector.threads = threads }
        if let value = fields["ack"], let ack = choice(value, among: ["immediate", "after-publish"], what: "ack mode") {
            collector.ackAfterPublish = ack == "after-publish"
        }
        if let value = fields["publish_delay"], let delay = distribution(value, as: .duration) {
            collector.publishDelay = delay
        }
        if let value = fields["deduplicate"], let deduplicate = bool(value) { collector.deduplicate = deduplicate }
        if let value = fields["max_message_size"], let size = byteCount(value, minimum: 1024, minimumText: "1KiB") {
            if size > CollectorConfiguration.largestMessageLimit {
                fail(value, "must be at most 4GiB (a WebSocket frame's limit), got '\(value.scalarText ?? "")'")
            } else {
                collector.maxMessageBytes = size
            }
        }
        if let value = fields["legacy_cap_answer"], let legacy = bool(value) { collector.legacyCapAnswer = legacy }
        if let value = fields["transport"],
            let name = choice(value, among: ["websocket", "rest", "grpc"], what: "transport"),
            let transport = Scenario.Transport(rawValue: name)
        {
            collector.transport = transport
        }
        if let value = fields["tls"], let tls = bool(value) { collector.tls = tls }
        if let value = fields["grpc_port"], let port = integer(value, in: 0...65535) {
            if collector.transport == .grpc {
                collector.grpcPort = port
            } else {
                fail(value, "only applies with transport: grpc")
            }
        }
        if let value = fields["kafka"], let kafka = kafkaPublisher(value) {
            collector.kafka = kafka
            if collector.publishDelay != .constant(0), let delay = fields["publish_delay"] {
                fail(delay, "publish_delay stands in for a publish; with kafka the real publish takes its own time")
            }
        }
        if let value = fields["max_events_per_second"], let limit = quantity(value, as: .count) {
            if limit < 1 || limit > CollectorConfiguration.largestEventRate {
                fail(value, "must be from 1 to 1000000000 events a second, got '\(value.scalarText ?? "")'")
            } else {
                collector.maxEventsPerSecond = limit
            }
            if collector.transport == .grpc {
                fail(value, "holds WebSocket and REST reads; with transport: grpc it would not limit anything yet")
            }
        }
        return collector
    }

    /// `kafka: local`, `kafka: host:port[,...]`, or a mapping with `brokers`, `topic_pattern` and
    /// `message_timeout`.
    private mutating func kafkaPublisher(_ value: YAMLValue) -> Scenario.KafkaPublisher? {
        guard case .mapping = value.node else {
            return kafkaBrokers(value).map { Scenario.KafkaPublisher(brokers: $0) }
        }
        let keys = ["brokers", "topic_pattern", "message_timeout"]
        guard let fields = fields(value, keys: keys, required: ["brokers"]),
            let brokers = fields["brokers"].flatMap({ kafkaBrokers($0) })
        else { return nil }
        var kafka = Scenario.KafkaPublisher(brokers: brokers)
        if let value = fields["topic_pattern"], let pattern = text(value) {
            if let problem = KafkaTopicPattern(pattern).problem {
                fail(value, problem)
            } else {
                kafka.topics = KafkaTopicPattern(pattern)
            }
        }
        if let value = fields["message_timeout"], let timeout = quantity(value, as: .duration, above: 0) {
            if timeout > 86_400 {
                fail(value, "must be at most 24h (librdkafka's message.timeout.ms), got '\(value.scalarText ?? "")'")
            } else {
                kafka.messageTimeout = timeout
            }
        }
        return kafka
    }

    private mutating func kafkaBrokers(_ value: YAMLValue) -> Scenario.KafkaPublisher.Brokers? {
        guard let text = text(value) else { return nil }
        if text == "local" { return .local }
        let servers = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !servers.isEmpty, servers.allSatisfy({ $0.contains(":") && !$0.hasPrefix(":") && !$0.hasSuffix(":") })
        else {
            fail(value, "'\(text)' is not local or host:port[,host:port...] (the Kafka bootstrap servers)")
            return nil
        }
        return .servers(servers.joined(separator: ","))
    }

    mutating func faults(_ value: YAMLValue) -> [Scenario.FaultWindow]? {
        guard let items = list(value) else { return nil }
        var windows: [Scenario.FaultWindow] = []
        for item in items {
            if let window = faultWindow(item) { windows.append(window) }
        }
        return windows
    }

    private mutating func faultWindow(_ value: YAMLValue) -> Scenario.FaultWindow? {
        let keys = ["from", "to", "outage", "ack_loss", "error_rate", "ack_delay", "publish_stall", "broker_down"]
        guard let fields = fields(value, keys: keys, required: ["from", "to"]) else { return nil }
        let start = fields["from"].flatMap { quantity($0, as: .duration) }
        let end = fields["to"].flatMap { quantity($0, as: .duration) }
        var window = Scenario.FaultWindow(start: start ?? 0, end: end ?? 0)
        window.line = value.position.line
        if let value = fields["outage"], let outage = bool(value) { window.outage = outage }
        if let value = fields["ack_loss"], let loss = quantity(value, as: .fraction) { window.ackLoss = loss }
        if let value = fields["error_rate"], let rate = quantity(value, as: .fraction) { window.errorRate = rate }
        if let value = fields["ack_delay"], let delay = distribution(value, as: .duration) { window.ackDelay = delay }
        if let value = fields["publish_stall"], let stall = bool(value) { window.publishStall = stall }
        if let value = fields["broker_down"], let down = bool(value) { window.brokerDown = down }
        guard let start, let end, let toValue = fields["to"] else { return nil }
        guard end > start else {
            fail(
                toValue,
                "the window must end after it starts: to (\(toValue.scalarText ?? "")) is not after from "
                    + "(\(fields["from"]?.scalarText ?? ""))")
            return nil
        }
        return window
    }
}
