import Foundation
import RaccoonWire
import Testing

@testable import Simulation

/// `collector.kafka` and `broker_down` in a scenario: what they mean, and the errors for what
/// cannot work, each at its place.
@Suite("Scenario: collector.kafka and broker_down")
struct ScenarioKafkaTests {
    func parse(_ lines: String) throws(ScenarioErrors) -> Scenario {
        try Scenario(yaml: ScenarioParserTests.minimalWith(lines), file: "k.yaml")
    }

    func errors(_ lines: String) -> [String] {
        do {
            _ = try parse(lines)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test("kafka: local, a server list, or a mapping with the topic pattern and the message timeout")
    func forms() throws {
        #expect(try parse("collector: {kafka: local}").collector.kafka == Scenario.KafkaPublisher(brokers: .local))
        let listed = try parse("collector: {kafka: 'a:9092, b:9092'}").collector.kafka
        #expect(listed?.brokers == .servers("a:9092,b:9092"))
        #expect(listed?.topics == .raccoonDefault)
        #expect(listed?.messageTimeout == 300)
        let mapped = try parse(
            "collector:\n  kafka: {brokers: local, topic_pattern: 'events.%s', message_timeout: 5s}"
        ).collector.kafka
        #expect(mapped?.topics.topic(for: "click") == "events.click")
        #expect(mapped?.messageTimeout == 5)
        let outage = try parse(
            "collector: {kafka: local}\nfaults:\n  - {from: 1s, to: 2s, broker_down: true}")
        #expect(outage.faults.first?.brokerDown == true)
        #expect(BrokerFaultSchedule(outage.faults).steps == [.init(at: 1, down: true), .init(at: 2, down: false)])
    }

    @Test("what cannot work is refused where it is written")
    func refusals() {
        #expect(
            errors("collector: {kafka: nohost}")
                == [
                    "k.yaml:5:20: collector.kafka: 'nohost' is not local or host:port[,host:port...] (the Kafka bootstrap servers)"
                ])
        #expect(
            errors("collector:\n  kafka: {brokers: local, topic_pattern: 'a b'}").first?.contains(
                "has characters Kafka refuses in a topic name") == true)
        #expect(
            errors("collector: {kafka: local, publish_delay: 5ms}").first?.contains(
                "publish_delay stands in for a publish") == true)
        #expect(
            errors("faults:\n  - {from: 1s, to: 2s, broker_down: true}").first?.contains(
                "broker_down (the window at line 6) takes down the run's own broker: it needs collector.kafka: local")
                == true)
        #expect(
            errors("collector: {kafka: 'x:1'}\nfaults:\n  - {from: 1s, to: 2s, broker_down: true}").count == 1)
    }

    @Test("a simulated run refuses collector.kafka before any work")
    func simulatedRefuses() throws {
        let scenario = try parse("collector: {kafka: local}")
        var options = RunOptions()
        options.simulated = true
        #expect {
            try VirtualBackend(scenario: scenario).check(options, devices: 5)
        } throws: { error in
            "\(error)".contains("collector.kafka publishes to real Kafka brokers")
        }
    }
}
