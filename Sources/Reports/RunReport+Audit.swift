import SwarmPrimitives

/// The Kafka audit's part of every rendering.
extension RunReport {
    /// The summary's line: what landed, what is missing.
    var auditSummaryLine: String? {
        guard let audit else { return nil }
        if let error = audit.error { return "Kafka audit  could not run: \(error)" }
        let bound = audit.caughtUp ? "" : "  (not caught up: missing is an upper bound)"
        return "Kafka audit  acked \(Formatting.count(audit.acked))  landed \(Formatting.count(audit.ackedAndLanded))"
            + "  missing after ack \(Formatting.count(audit.missingAfterAck))  landed not acked "
            + "\(Formatting.count(audit.landedNotAcked))  duplicates \(Formatting.count(audit.duplicates))  foreign "
            + "\(Formatting.count(audit.foreign))\(bound)"
    }

    /// The audit's table rows, per event type, header first.
    var auditRows: [[String]] {
        guard let audit else { return [] }
        return audit.byEventType.keys.sorted().map { type in
            let row = audit.byEventType[type]!
            return [
                type, row.topic, Formatting.count(row.acked), Formatting.count(row.ackedAndLanded),
                Formatting.count(row.missingAfterAck), Formatting.count(row.landedNotAcked),
                Formatting.count(row.duplicates),
            ]
        }
    }

    static let auditHeader = [
        "event type", "topic", "acked", "landed", "missing after ack", "landed not acked", "duplicates",
    ]

    /// The HTML panel.
    func auditPart() -> String {
        guard let audit else { return "" }
        if let error = audit.error {
            return "<p class=\"problems\"><strong>The Kafka audit could not run:</strong> \(Markup.escape(error))</p>\n"
        }
        var out =
            "<p>Brokers \(Markup.escape(audit.bootstrapServers)), \(audit.topics.count) topic(s), "
            + "\(Formatting.count(audit.messagesRead)) message(s) read in \(Markup.number(audit.wallSeconds))s"
            + (audit.caughtUp ? "." : ", <strong>not caught up</strong>: the missing counts are upper bounds.")
            + " Foreign messages: \(Formatting.count(audit.foreign)).</p>\n"
        if audit.missingAfterAck > 0 {
            out +=
                "<p class=\"problems\"><strong>\(Formatting.count(audit.missingAfterAck)) acked event(s) never "
                + "reached Kafka.</strong></p>\n"
        }
        out += Self.table(Self.auditHeader, auditRows, textColumns: [0, 1])
        if !audit.devicesMissing.isEmpty {
            out += Self.table(
                ["device", "missing after ack"],
                audit.devicesMissing.map { [String($0.device), Formatting.count($0.missingAfterAck)] })
        }
        return out
    }

    /// The Markdown section.
    func markdownAudit(_ out: inout [String]) {
        guard let audit else { return }
        out += ["## Kafka audit", ""]
        if let error = audit.error {
            out += ["The audit could not run: \(Markup.markdownCell(error))", ""]
            return
        }
        out += [
            "\(Formatting.count(audit.missingAfterAck)) acked event(s) missing from \(audit.topics.count) topic(s); "
                + "\(Formatting.count(audit.foreign)) foreign message(s)"
                + (audit.caughtUp ? "." : "; not caught up (upper bounds)."), "",
        ]
        out += Self.markdownTable(Self.auditHeader, auditRows, alignRight: [2, 3, 4, 5, 6])
    }

    /// The Prometheus figures.
    func writeAudit(_ out: inout PrometheusText) {
        guard let audit else { return }
        out.gauge("audit_failed", "1 if the Kafka audit could not run.", audit.error == nil ? 0 : 1)
        let figures: [(String, String, UInt64)] = [
            ("acked", "Acked events the audit looked for.", audit.acked),
            ("landed", "Acked events found in their topic.", audit.ackedAndLanded),
            ("missing_after_ack", "Acked events missing from the topics.", audit.missingAfterAck),
            ("landed_not_acked", "Events of the run in a topic but never acked.", audit.landedNotAcked),
            ("duplicates", "Copies of an event beyond the first in the topics.", audit.duplicates),
            ("foreign", "Messages in the topics that are not this run's.", audit.foreign),
        ]
        for (name, help, value) in figures { out.counter("audit_\(name)_events", help, value) }
    }
}
