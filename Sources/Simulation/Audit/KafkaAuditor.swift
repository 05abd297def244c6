import Foundation
import RaccoonWire
import Reports
import SwarmKafka
import SwarmPrimitives

/// Looks for a run's acked events in the Kafka topics the collector publishes to, by guid:
/// every ClickSwarm event's guid says its run, device and sequence, so each message read tells
/// which acked event landed. Works against any collector (the embedded one or a remote Raccoon).
struct KafkaAuditor {
    var settings: KafkaAuditSettings
    var runID: UInt32
    /// Read from this time on (the run's start, less a margin for clocks).
    var since: Date
    /// The devices this run ran: another shard's events in the topics are that shard's to audit.
    var devices: Set<UInt32>

    /// The audit of events acked per device (`acked`, by sequence) and per type
    /// (`ackedByType`). A broker that cannot be reached gives figures with `error` set.
    func audit(acked: [UInt32: SequenceBitmap], ackedByType: [String: UInt64]) async -> KafkaAuditFigures {
        let started = Date()
        var figures = KafkaAuditFigures(bootstrapServers: settings.bootstrapServers)
        let types = ackedByType.keys.filter { $0 != "health" }.sorted()
        // One row per topic: types that share one (a pattern without %s) share a row, "A+B".
        let typesOfTopic = Dictionary(grouping: types, by: settings.topic(for:))
        let rowOfTopic = typesOfTopic.mapValues { $0.sorted().joined(separator: "+") }
        for (topic, sharing) in typesOfTopic {
            figures.byEventType[rowOfTopic[topic]!] = .init(
                topic: topic, acked: sharing.reduce(0) { $0 + (ackedByType[$1] ?? 0) })
        }
        figures.acked = types.reduce(0) { $0 + (ackedByType[$1] ?? 0) }
        do {
            let consumer = try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(
                    bootstrapServers: settings.bootstrapServers))
            defer { consumer.close() }
            let metadataTimeout = Duration.milliseconds(Int64(min(settings.timeout, 10) * 1000))
            let existing = Set(try await consumer.topics(matching: ".*", timeout: metadataTimeout).map(\.name))
            let topics = typesOfTopic.keys.sorted().filter(existing.contains)
            figures.topics = topics
            var tally = Tally(runID: runID, devices: devices, acked: acked, typeOfTopic: rowOfTopic)
            if !topics.isEmpty {
                let (messages, summary) = try await consumer.readAll(
                    topics: topics, from: settings.fromBeginning ? .beginning : .timestamp(since),
                    timeout: .milliseconds(Int64(settings.timeout * 1000)))
                for message in messages { tally.count(message) }
                figures.caughtUp = summary.isCaughtUp
            } else {
                figures.caughtUp = true
            }
            tally.fill(&figures)
        } catch {
            figures.error = "\(error)"
        }
        figures.wallSeconds = (Date().timeIntervalSince(started) * 1000).rounded() / 1000
        return figures
    }

    /// The counting, one message at a time.
    struct Tally {
        let runID: UInt32
        let devices: Set<UInt32>
        let acked: [UInt32: SequenceBitmap]
        let typeOfTopic: [String: String]
        var landed: [UInt32: SequenceBitmap] = [:]
        var messages: UInt64 = 0
        var foreign: UInt64 = 0
        var ackedAndLanded: [String: UInt64] = [:]
        var landedNotAcked: [String: UInt64] = [:]
        var duplicates: [String: UInt64] = [:]

        mutating func count(_ message: KafkaMessage) {
            messages += 1
            let type = typeOfTopic[message.topic] ?? message.topic
            let guid = message.value.withUnsafeBytes { ProtoFieldScanner.eventGUID(inContract: $0) }
            guard let guid, guid.run == runID else {
                foreign += 1
                return
            }
            guard devices.contains(guid.device) else { return }
            guard landed[guid.device, default: SequenceBitmap()].insert(guid.sequence) else {
                duplicates[type, default: 0] += 1
                return
            }
            if acked[guid.device]?.contains(guid.sequence) == true {
                ackedAndLanded[type, default: 0] += 1
            } else {
                landedNotAcked[type, default: 0] += 1
            }
        }

        /// The totals, per type and per device.
        func fill(_ figures: inout KafkaAuditFigures) {
            figures.messagesRead = messages
            figures.foreign = foreign
            for (type, var row) in figures.byEventType {
                row.ackedAndLanded = ackedAndLanded[type] ?? 0
                row.missingAfterAck = row.acked > row.ackedAndLanded ? row.acked - row.ackedAndLanded : 0
                row.landedNotAcked = landedNotAcked[type] ?? 0
                row.duplicates = duplicates[type] ?? 0
                figures.byEventType[type] = row
            }
            let rows = figures.byEventType.values
            figures.ackedAndLanded = rows.reduce(0) { $0 + $1.ackedAndLanded }
            figures.missingAfterAck = rows.reduce(0) { $0 + $1.missingAfterAck }
            figures.landedNotAcked = rows.reduce(0) { $0 + $1.landedNotAcked }
            figures.duplicates = rows.reduce(0) { $0 + $1.duplicates }
            var missing: [KafkaAuditFigures.Device] = []
            for (device, bitmap) in acked {
                let lost = bitmap.countNotIn(landed[device] ?? SequenceBitmap())
                if lost > 0 { missing.append(.init(device: device, missingAfterAck: UInt64(lost))) }
            }
            figures.devicesMissing = Array(
                missing.sorted { ($0.missingAfterAck, $1.device) > ($1.missingAfterAck, $0.device) }.prefix(20))
        }
    }
}
