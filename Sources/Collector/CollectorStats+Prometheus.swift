extension CollectorStats {
    /// Prometheus text exposition (version 0.0.4) of the figures, as `GET /metrics` serves them.
    public var prometheusText: String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP clickswarm_collector_\(name) \(help)\n# TYPE clickswarm_collector_\(name) \(type)\n"
        }
        func sample(_ name: String, _ labels: [(String, String)] = [], _ value: some CustomStringConvertible) {
            out += "clickswarm_collector_\(name)"
            if !labels.isEmpty {
                out += "{" + labels.map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
            }
            out += " \(value)\n"
        }

        family("uptime_seconds", "gauge", "Seconds since the collector started.")
        sample("uptime_seconds", [], uptimeSeconds)
        family("connections", "gauge", "WebSocket connections open now.")
        sample("connections", [], connections.current)
        family("connections_accepted_total", "counter", "WebSocket connections accepted.")
        sample("connections_accepted_total", [], connections.acceptedTotal)
        family("connections_closed_total", "counter", "Accepted WebSocket connections that have closed.")
        sample("connections_closed_total", [], connections.closedTotal)
        family("connections_rejected_total", "counter", "WebSocket connections rejected, by reason.")
        sample("connections_rejected_total", [("reason", "max_connections")], connections.rejectedMaxConnections)
        sample("connections_rejected_total", [("reason", "duplicate_identity")], connections.rejectedDuplicateIdentity)
        sample("connections_rejected_total", [("reason", "outage")], connections.refusedDuringOutage)

        family("batches_total", "counter", "Requests received, by outcome.")
        let outcomes: [(String, UInt64)] = [
            ("ok", batches.ok), ("error_injected", batches.errorInjected), ("ack_lost", batches.ackLost),
            ("deduplicated", batches.deduplicated), ("bad_request", batches.badRequest),
            ("too_large", batches.tooLarge),
        ]
        for (status, value) in outcomes { sample("batches_total", [("status", status)], value) }
        family("batches_received_total", "counter", "Requests received, by encoding.")
        sample("batches_received_total", [("encoding", "protobuf")], batches.protobuf)
        sample("batches_received_total", [("encoding", "json")], batches.json)
        family("rest_requests_total", "counter", "Requests received over REST.")
        sample("rest_requests_total", [], batches.rest)
        family("received_bytes_total", "counter", "Bytes of request messages received.")
        sample("received_bytes_total", [], batches.bytes)
        family("bad_requests_total", "counter", "Requests that could not be decoded or were too large.")
        sample("bad_requests_total", [], batches.badRequest + batches.tooLarge)
        family("json_unknown_keys_total", "counter", "JSON keys no field matched (Raccoon ignores them).")
        sample("json_unknown_keys_total", [], batches.jsonUnknownKeys)

        family("events_total", "counter", "Events received, by type and status.")
        for type in events.byType.keys.sorted() {
            let counts = events.byType[type]!
            let statuses: [(String, UInt64)] = [
                ("delivered", counts.delivered), ("error_injected", counts.errorInjected),
                ("ack_lost", counts.ackLost), ("deduplicated", counts.deduplicated),
            ]
            for (status, value) in statuses { sample("events_total", [("type", type), ("status", status)], value) }
        }
        family("event_bytes_total", "counter", "Bytes of event payloads received, by type.")
        for type in events.byType.keys.sorted() {
            sample("event_bytes_total", [("type", type)], events.byType[type]!.bytes)
        }
        family("unique_deliveries_total", "counter", "Distinct ClickSwarm event guids delivered.")
        sample("unique_deliveries_total", [], events.uniqueDeliveries)
        family("duplicate_deliveries_total", "counter", "Deliveries of a ClickSwarm guid delivered before.")
        sample("duplicate_deliveries_total", [], events.duplicateDeliveries)
        family("foreign_events_total", "counter", "Delivered events without a ClickSwarm guid.")
        sample("foreign_events_total", [], events.foreign)
        family("empty_event_bytes_total", "counter", "Delivered events with empty event_bytes.")
        sample("empty_event_bytes_total", [], events.emptyEventBytes)

        family("ack_latency_seconds", "histogram", "Time from receiving a request to writing its answer.")
        for bucket in ackLatency.buckets {
            sample("ack_latency_seconds_bucket", [("le", Self.formatBound(bucket.le))], bucket.count)
        }
        sample("ack_latency_seconds_bucket", [("le", "+Inf")], ackLatency.count)
        sample("ack_latency_seconds_sum", [], ackLatency.sumSeconds)
        sample("ack_latency_seconds_count", [], ackLatency.count)

        family("fault_outage", "gauge", "1 while the injected outage is on.")
        sample("fault_outage", [], faults.outage ? 1 : 0)
        family("fault_publish_stall", "gauge", "1 while the injected publish stall is on.")
        sample("fault_publish_stall", [], faults.publishStall ? 1 : 0)
        family("fault_ack_loss_probability", "gauge", "Injected probability of dropping an ack.")
        sample("fault_ack_loss_probability", [], faults.ackLoss)
        family("fault_error_probability", "gauge", "Injected probability of an error answer.")
        sample("fault_error_probability", [], faults.errorRate)
        return out
    }

    private static func formatBound(_ bound: Double) -> String {
        bound == bound.rounded() ? String(Int(bound)) : String(bound)
    }

    private static func escapeLabel(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
